#pragma once
// Thin RAII layer over the HDF5 C API. Every failure throws bertology::Error naming the
// file and the object, so callers never look at HDF5's error stack.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bertology::io {

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t id() const { return id_; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// A file opened serially or, with a communicator, through the MPI-IO driver (collective open).
class File {
 public:
  static File open_read(const std::string& path, MPI_Comm comm = MPI_COMM_NULL);
  static File create(const std::string& path, MPI_Comm comm = MPI_COMM_NULL);
  // Serial read-write handle on an existing file (attributes added after a parallel write).
  static File open_update(const std::string& path);

  hid_t id() const { return handle_.id(); }
  const std::string& path() const { return path_; }
  bool parallel() const { return comm_ != MPI_COMM_NULL; }
  bool exists(const std::string& object) const;  // "a/b/c" tested link by link
  void create_group(const std::string& group) const;
  std::vector<std::string> members(const std::string& group) const;
  // Writes what HDF5 still holds in memory. A full disk (ENOSPC) or a file-size limit (EFBIG)
  // shows only here: the close in the destructor cannot report it. Throws bertology::Error
  // naming the file and the cause.
  void flush() const;

 private:
  File(Handle handle, std::string path, MPI_Comm comm)
      : handle_(std::move(handle)), path_(std::move(path)), comm_(comm) {}
  Handle handle_;
  std::string path_;
  MPI_Comm comm_ = MPI_COMM_NULL;
};

// Dataset shape, first dimension slowest.
std::vector<hsize_t> dataset_shape(const File& file, const std::string& name);

// Writes a whole dataset. In a parallel file every rank calls this (creation is collective);
// only ranks with `this_rank_writes` transfer data (the others select nothing).
template <typename T>
void write_dataset(const File& file, const std::string& name, const std::vector<hsize_t>& shape, const T* data,
                   bool this_rank_writes = true, bool compress = false);

template <typename T>
std::vector<T> read_dataset(const File& file, const std::string& name);

// Reads rows [begin, end) along the first dimension for each range, concatenated
// (one HDF5 read with a union of hyperslabs).
template <typename T>
std::vector<T> read_rows(const File& file, const std::string& name,
                         const std::vector<std::pair<hsize_t, hsize_t>>& ranges);

void write_strings(const File& file, const std::string& name, const std::vector<std::string>& values);
std::vector<std::string> read_strings(const File& file, const std::string& name);

// Attributes on an object ("/" for the root).
//
// Every string, in attributes and datasets, is written as fixed-length NUL-padded UTF-8 (h5py
// reads bytes: `.decode()`), and a variable-length string is refused, never read: libhdf5 1.10
// reads those through the file's global heap, and a damaged heap overruns a buffer or hangs it.
void write_attribute(const File& file, const std::string& object, const std::string& name, const std::string& value);
void write_attribute(const File& file, const std::string& object, const std::string& name, std::int64_t value);
void write_attribute(const File& file, const std::string& object, const std::string& name,
                     const std::vector<double>& values);
void write_attribute(const File& file, const std::string& object, const std::string& name,
                     const std::vector<std::string>& values);
bool has_attribute(const File& file, const std::string& object, const std::string& name);
std::string read_string_attribute(const File& file, const std::string& object, const std::string& name);
std::int64_t read_integer_attribute(const File& file, const std::string& object, const std::string& name);
std::vector<std::string> read_strings_attribute(const File& file, const std::string& object, const std::string& name);
std::vector<std::string> attribute_names(const File& file, const std::string& object);
bool attribute_is_string(const File& file, const std::string& object, const std::string& name);

// Copies an object with everything below it and every attribute (H5Ocopy) from one file into
// another: "/" copies a whole file into a group of `to`. Missing parent groups of to_path are
// created; an existing to_path is an error (HDF5 would not replace it).
void copy_object(const File& from, const std::string& from_path, const File& to, const std::string& to_path);

}  // namespace bertology::io

namespace bertology::io {
// Strings at the given rows of a 1-D string dataset, in the order asked.
std::vector<std::string> read_string_rows(const File& file, const std::string& name, const std::vector<hsize_t>& rows);

// Datasets written piecewise, by several ranks at their own offsets (parallel HDF5 cannot
// write variable-length strings, and compressed datasets need chunks and collective writes).
// Creation is collective in a parallel file: every rank calls it with the same arguments.
// Chunks hold chunk_rows rows (fewer when the dataset is smaller) and are deflate-compressed.
template <typename T>
void create_chunked_dataset(const File& file, const std::string& name, const std::vector<hsize_t>& shape,
                            hsize_t chunk_rows);
// 1-D fixed-length UTF-8 strings of `length` bytes, NUL-padded (h5py reads them as bytes).
void create_fixed_strings(const File& file, const std::string& name, hsize_t rows, std::size_t length,
                          hsize_t chunk_rows);
// Writes rows [first, first + rows) along the first dimension from `data` (rows × the other
// dimensions). Collective in a parallel file: every rank calls, a rank with rows = 0 selects
// nothing.
template <typename T>
void write_rows(const File& file, const std::string& name, hsize_t first, hsize_t rows, const T* data);
// A contiguous, uncompressed dataset to be filled with write_block (no size limit per chunk).
template <typename T>
void create_dataset(const File& file, const std::string& name, const std::vector<hsize_t>& shape);
// Writes the block [start, start + count) of an N-dimensional dataset from `data` (row-major,
// product(count) elements); an empty count (a zero) writes nothing.
template <typename T>
void write_block(const File& file, const std::string& name, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, const T* data);
// Strings longer than the dataset's length are an error naming the dataset.
void write_fixed_string_rows(const File& file, const std::string& name, hsize_t first,
                             const std::vector<std::string>& values);
}  // namespace bertology::io

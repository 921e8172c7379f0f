#include "bertology/io/hdf5.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "bertology/error.h"

namespace bertology::io {
namespace {

// HDF5 prints its own error stack to stderr by default; our exceptions carry the context.
// Its exit handler is left out: every File closes itself, and after a close that failed (a
// full disk) HDF5 1.10 closes the file again at exit and crashes on what the first freed.
struct SilenceHdf5 {
  SilenceHdf5() {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const SilenceHdf5 silence_hdf5;

// The innermost entry of libhdf5's error stack (what went wrong, not where: e.g. "incorrect
// metadata checksum after all read attempts"), or "" when the last HDF5 call succeeded: every
// API call clears the stack as it starts.
std::string hdf5_cause() {
  std::string cause;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned depth, const H5E_error2_t* error, void* found) -> herr_t {
        if (depth == 0 && error->desc) *static_cast<std::string*>(found) = error->desc;
        return 0;
      },
      &cause);
  return cause;
}

// "/" for the root, "/group" otherwise (objects are named without their leading slash).
std::string object_name(const std::string& object) { return object == "/" ? object : "/" + object; }

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  const std::string cause = hdf5_cause();
  throw Error(cause.empty() ? what : what + " (HDF5: " + cause + ")", ErrorContext{path});
}

hid_t check(hid_t id, const std::string& path, const std::string& what) {
  if (id < 0) fail(path, what);
  return id;
}

void check_status(herr_t status, const std::string& path, const std::string& what) {
  if (status < 0) fail(path, what);
}

template <typename T>
hid_t memory_type();
template <>
hid_t memory_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
hid_t memory_type<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
hid_t memory_type<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t memory_type<std::int8_t>() {
  return H5T_NATIVE_INT8;
}
template <>
hid_t memory_type<std::uint8_t>() {
  return H5T_NATIVE_UINT8;
}
template <>
hid_t memory_type<char>() {
  return H5T_NATIVE_CHAR;
}

Handle file_access(MPI_Comm comm, const std::string& path) {
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), path, "cannot create file access list"), H5Pclose);
  if (comm != MPI_COMM_NULL) {
    check_status(H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL), path, "cannot use MPI-IO");
    // Metadata flushed by every rank together: with independent metadata writes, HDF5 1.10
    // calls MPI_File_set_view (collective) on some ranks only, which Open MPI's OMPIO io
    // component answers with a hang once the metadata cache has to flush (large corpora).
    check_status(H5Pset_coll_metadata_write(fapl.id(), true), path, "cannot request collective metadata writes");
  }
  // The HDF5 1.10 format: its superblock, object headers and chunk indexes carry checksums, which
  // libhdf5 verifies as it reads, so a damaged or altered file is refused instead of parsed (1.10
  // overruns buffers, divides by zero or hangs on some damaged pre-1.8 structures: the corpus_h5
  // and result_h5 fuzz targets); its object headers also keep attributes over 64 KiB (a long
  // command line) in dense storage. HDF5 ≥ 1.10 and h5py built on it read these files.
  check_status(H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V110, H5F_LIBVER_V110), path,
               "cannot request the HDF5 1.10 file format");
  return fapl;
}

Handle open_dataset(const File& file, const std::string& name) {
  if (!file.exists(name)) fail(file.path(), "missing dataset /" + name);
  return Handle(check(H5Dopen2(file.id(), name.c_str(), H5P_DEFAULT), file.path(), "cannot open dataset /" + name),
                H5Dclose);
}

Handle open_object(const File& file, const std::string& object) {
  return Handle(
      check(H5Oopen(file.id(), object.c_str(), H5P_DEFAULT), file.path(), "cannot open " + object_name(object)),
      H5Oclose);
}

Handle fixed_string_type(std::size_t length) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), std::max<std::size_t>(length, 1));
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  return type;
}

std::size_t widest(const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& value : values) width = std::max(width, value.size());
  return width;
}

// Rows of `width` bytes, NUL-padded: the memory image of a fixed-length string array.
std::vector<char> pack_strings(const std::vector<std::string>& values, std::size_t width) {
  std::vector<char> bytes(std::max<std::size_t>(values.size() * width, 1), '\0');
  for (std::size_t k = 0; k < values.size(); ++k)
    std::memcpy(bytes.data() + k * width, values[k].data(), values[k].size());
  return bytes;
}

std::vector<std::string> unpack_strings(const std::vector<char>& bytes, std::size_t width, std::size_t count) {
  std::vector<std::string> values;
  values.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    const char* row = bytes.data() + k * width;
    values.emplace_back(row, strnlen(row, width));
  }
  return values;
}

// Strings are stored fixed-length, and variable-length ones are refused before HDF5 reads them:
// libhdf5 1.10 reads a variable-length string through the file's global heap, and a damaged heap
// makes it overrun a buffer or loop forever (found by the corpus_h5 and result_h5 fuzz targets).
// Returns the stored width in bytes.
std::size_t require_fixed_strings(hid_t stored, const std::string& path, const std::string& what) {
  if (H5Tget_class(stored) != H5T_STRING) fail(path, what + " does not hold strings");
  if (H5Tis_variable_str(stored) != 0)
    fail(path, what +
                   " holds variable-length strings, which bertology does not read (libhdf5 can crash on a damaged "
                   "one); bertology writes fixed-length UTF-8 strings: write the file again with this version");
  return H5Tget_size(stored);
}

void write_attribute_raw(const File& file, const std::string& object, const std::string& name, hid_t type,
                         const std::vector<hsize_t>& shape, const void* data) {
  Handle target = open_object(file, object);
  if (H5Aexists(target.id(), name.c_str()) > 0) H5Adelete(target.id(), name.c_str());
  Handle space(
      shape.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
      H5Sclose);
  Handle attribute(check(H5Acreate2(target.id(), name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT), file.path(),
                         "cannot create attribute " + name + " on " + object_name(object)),
                   H5Aclose);
  check_status(H5Awrite(attribute.id(), type, data), file.path(), "cannot write attribute " + name);
}

Handle open_attribute(const File& file, const std::string& object, const std::string& name) {
  Handle target = open_object(file, object);
  if (H5Aexists(target.id(), name.c_str()) <= 0)
    fail(file.path(), "missing attribute " + name + " on " + object_name(object));
  return Handle(H5Aopen(target.id(), name.c_str(), H5P_DEFAULT), H5Aclose);
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    closer_ = other.closer_;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = H5I_INVALID_HID;
}

File File::open_read(const std::string& path, MPI_Comm comm) {
  Handle fapl = file_access(comm, path);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id());
  if (id < 0) fail(path, "cannot open as HDF5 (missing, unreadable or not an HDF5 file)");
  File file(Handle(id, H5Fclose), path, comm);
  H5F_info2_t info;
  check_status(H5Fget_info2(id, &info), path, "cannot read the HDF5 superblock");
  if (info.super.version < 3)
    fail(path, "written in an HDF5 format without metadata checksums (superblock version " +
                   std::to_string(info.super.version) +
                   "): bertology reads only the checksummed 1.10 format it writes, so that a damaged file is "
                   "refused rather than parsed; write it again with this version of bertology");
  return file;
}

File File::create(const std::string& path, MPI_Comm comm) {
  Handle fapl = file_access(comm, path);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  if (id < 0) fail(path, "cannot create HDF5 file (directory missing or not writable?)");
  return File(Handle(id, H5Fclose), path, comm);
}

File File::open_update(const std::string& path) {
  Handle fapl = file_access(MPI_COMM_NULL, path);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.id());
  if (id < 0) fail(path, "cannot open for writing as HDF5");
  return File(Handle(id, H5Fclose), path, MPI_COMM_NULL);
}

void File::flush() const {
  errno = 0;
  if (H5Fflush(id(), H5F_SCOPE_LOCAL) < 0) {
    const int cause = errno;
    fail(path_, "cannot write" + (cause ? ": " + std::string(std::strerror(cause)) : std::string()) +
                    " (disk full or file size limit?)");
  }
}

bool File::exists(const std::string& object) const {
  std::string prefix;
  std::istringstream parts(object);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty()) continue;
    prefix += (prefix.empty() ? "" : "/") + part;
    const htri_t found = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
    if (found < 0) fail(path_, "cannot look up /" + prefix + " (a damaged file?)");
    if (found == 0) return false;
  }
  return true;
}

void File::create_group(const std::string& group) const {
  if (exists(group)) return;
  Handle(check(H5Gcreate2(id(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path_,
               "cannot create group /" + group),
         H5Gclose);
}

std::vector<std::string> File::members(const std::string& group) const {
  std::vector<std::string> names;
  if (!exists(group)) return names;
  Handle g(check(H5Gopen2(id(), group.c_str(), H5P_DEFAULT), path_, "cannot open group /" + group), H5Gclose);
  H5G_info_t info;
  check_status(H5Gget_info(g.id(), &info), path_, "cannot list /" + group);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size = H5Lget_name_by_idx(g.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) fail(path_, "cannot read the name of member " + std::to_string(i) + " of /" + group);
    std::string name(static_cast<std::size_t>(size), '\0');
    if (H5Lget_name_by_idx(g.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT) !=
        size)
      fail(path_, "cannot read the name of member " + std::to_string(i) + " of /" + group);
    names.push_back(name);
  }
  return names;
}

std::vector<hsize_t> dataset_shape(const File& file, const std::string& name) {
  Handle dataset = open_dataset(file, name);
  Handle space(H5Dget_space(dataset.id()), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> shape(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.id(), shape.data(), nullptr);
  return shape;
}

template <typename T>
void write_dataset(const File& file, const std::string& name, const std::vector<hsize_t>& shape, const T* data,
                   bool this_rank_writes, bool compress) {
  Handle space(
      shape.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
      H5Sclose);
  Handle create_list(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  hsize_t elements = 1;
  for (hsize_t d : shape) elements *= d;
  if (compress && !shape.empty() && elements > 0 && !file.parallel()) {
    // Chunked + deflate for large 1-D corpus arrays: ~1 MiB chunks along the first dimension.
    std::vector<hsize_t> chunk = shape;
    hsize_t row = elements / shape[0];
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(shape[0], (1u << 20) / std::max<hsize_t>(1, row * sizeof(T))));
    H5Pset_chunk(create_list.id(), static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(create_list.id(), 4);
  }
  Handle dataset(check(H5Dcreate2(file.id(), name.c_str(), memory_type<T>(), space.id(), H5P_DEFAULT, create_list.id(),
                                  H5P_DEFAULT),
                       file.path(), "cannot create dataset /" + name),
                 H5Dclose);
  if (elements == 0) return;
  if (!this_rank_writes) {
    H5Sselect_none(space.id());
    Handle memory(H5Scopy(space.id()), H5Sclose);
    H5Sselect_none(memory.id());
    check_status(H5Dwrite(dataset.id(), memory_type<T>(), memory.id(), space.id(), H5P_DEFAULT, data), file.path(),
                 "cannot write /" + name);
    return;
  }
  check_status(H5Dwrite(dataset.id(), memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file.path(),
               "cannot write /" + name);
}

template <typename T>
std::vector<T> read_dataset(const File& file, const std::string& name) {
  Handle dataset = open_dataset(file, name);
  hsize_t elements = 1;
  for (hsize_t d : dataset_shape(file, name)) elements *= d;
  std::vector<T> values(elements);
  if (elements > 0)
    check_status(H5Dread(dataset.id(), memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), file.path(),
                 "cannot read /" + name);
  return values;
}

template <typename T>
std::vector<T> read_rows(const File& file, const std::string& name,
                         const std::vector<std::pair<hsize_t, hsize_t>>& ranges) {
  Handle dataset = open_dataset(file, name);
  std::vector<hsize_t> shape = dataset_shape(file, name);
  if (shape.empty()) fail(file.path(), "/" + name + " is a scalar, expected an array");
  hsize_t row = 1;
  for (std::size_t d = 1; d < shape.size(); ++d) row *= shape[d];
  Handle file_space(H5Dget_space(dataset.id()), H5Sclose);
  H5Sselect_none(file_space.id());
  hsize_t rows = 0;
  std::vector<hsize_t> start(shape.size(), 0), count = shape;
  for (auto [begin, end] : ranges) {
    if (end < begin || end > shape[0])
      fail(file.path(), "rows [" + std::to_string(begin) + ", " + std::to_string(end) + ") outside /" + name);
    if (end == begin) continue;
    start[0] = begin;
    count[0] = end - begin;
    check_status(H5Sselect_hyperslab(file_space.id(), H5S_SELECT_OR, start.data(), nullptr, count.data(), nullptr),
                 file.path(), "cannot select rows of /" + name);
    rows += end - begin;
  }
  std::vector<T> values(rows * row);
  hsize_t elements = values.size();
  Handle memory_space(H5Screate_simple(1, &elements, nullptr), H5Sclose);
  if (elements == 0) {
    H5Sselect_none(memory_space.id());
  }
  check_status(H5Dread(dataset.id(), memory_type<T>(), memory_space.id(), file_space.id(), H5P_DEFAULT,
                       elements ? values.data() : nullptr),
               file.path(), "cannot read rows of /" + name);
  return values;
}

void write_strings(const File& file, const std::string& name, const std::vector<std::string>& values) {
  const std::size_t width = widest(values);
  Handle type = fixed_string_type(width);
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle dataset(
      check(H5Dcreate2(file.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            file.path(), "cannot create dataset /" + name),
      H5Dclose);
  const std::vector<char> bytes = pack_strings(values, width);
  if (n > 0)
    check_status(H5Dwrite(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), file.path(),
                 "cannot write /" + name);
}

std::vector<std::string> read_strings(const File& file, const std::string& name) {
  Handle dataset = open_dataset(file, name);
  Handle space(H5Dget_space(dataset.id()), H5Sclose);
  std::vector<hsize_t> rows(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id())));
  for (std::size_t k = 0; k < rows.size(); ++k) rows[k] = k;
  return read_string_rows(file, name, rows);
}

std::vector<std::string> read_string_rows(const File& file, const std::string& name, const std::vector<hsize_t>& rows) {
  if (rows.empty()) return {};
  Handle dataset = open_dataset(file, name);
  Handle stored(H5Dget_type(dataset.id()), H5Tclose);
  const std::size_t width = require_fixed_strings(stored.id(), file.path(), "/" + name);
  Handle file_space(H5Dget_space(dataset.id()), H5Sclose);
  const hsize_t size = static_cast<hsize_t>(H5Sget_simple_extent_npoints(file_space.id()));
  for (hsize_t row : rows)
    if (row >= size) fail(file.path(), "row " + std::to_string(row) + " outside /" + name);
  // Point selections keep the order asked for.
  check_status(H5Sselect_elements(file_space.id(), H5S_SELECT_SET, rows.size(), rows.data()), file.path(),
               "cannot select rows of /" + name);
  hsize_t n = rows.size();
  Handle memory_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  std::vector<char> bytes(rows.size() * width);
  check_status(H5Dread(dataset.id(), stored.id(), memory_space.id(), file_space.id(), H5P_DEFAULT, bytes.data()),
               file.path(), "cannot read strings /" + name);
  return unpack_strings(bytes, width, rows.size());
}

namespace {

// Collective transfers in a parallel file (required for compressed datasets), default otherwise.
Handle transfer_list(const File& file) {
  Handle list(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  if (file.parallel())
    check_status(H5Pset_dxpl_mpio(list.id(), H5FD_MPIO_COLLECTIVE), file.path(), "cannot request collective I/O");
  return list;
}

void create_chunked(const File& file, const std::string& name, hid_t type, const std::vector<hsize_t>& shape,
                    hsize_t chunk_rows) {
  Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose);
  Handle create_list(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (!shape.empty() && shape[0] > 0) {
    std::vector<hsize_t> chunk = shape;
    chunk[0] = std::max<hsize_t>(1, std::min(chunk_rows, shape[0]));
    check_status(H5Pset_chunk(create_list.id(), static_cast<int>(chunk.size()), chunk.data()), file.path(),
                 "cannot chunk /" + name);
    check_status(H5Pset_deflate(create_list.id(), 4), file.path(), "cannot compress /" + name);
    // Every element is written: filling chunks first would only cost time.
    H5Pset_fill_time(create_list.id(), H5D_FILL_TIME_NEVER);
  }
  Handle(check(H5Dcreate2(file.id(), name.c_str(), type, space.id(), H5P_DEFAULT, create_list.id(), H5P_DEFAULT),
               file.path(), "cannot create dataset /" + name),
         H5Dclose);
}

// Writes the hyperslab [start, start + count) of /name from `data` (product(count) elements,
// row-major). An empty count selects nothing (a rank's part of a collective write).
void write_hyperslab_raw(const File& file, const std::string& name, hid_t type, const std::vector<hsize_t>& start,
                         const std::vector<hsize_t>& count, const void* data) {
  Handle dataset = open_dataset(file, name);
  Handle file_space(H5Dget_space(dataset.id()), H5Sclose);
  const int dimensions = H5Sget_simple_extent_ndims(file_space.id());
  std::vector<hsize_t> shape(static_cast<std::size_t>(std::max(dimensions, 0)));
  H5Sget_simple_extent_dims(file_space.id(), shape.data(), nullptr);
  hsize_t elements = 1;
  bool inside = start.size() == shape.size() && count.size() == shape.size() && !shape.empty();
  for (std::size_t d = 0; inside && d < shape.size(); ++d) {
    inside = start[d] + count[d] <= shape[d];
    elements *= count[d];
  }
  if (!inside) fail(file.path(), "a block written outside the shape of /" + name);
  Handle memory_space(H5Screate_simple(1, std::array<hsize_t, 1>{std::max<hsize_t>(elements, 1)}.data(), nullptr),
                      H5Sclose);
  if (elements == 0) {
    H5Sselect_none(file_space.id());
    H5Sselect_none(memory_space.id());
  } else {
    check_status(H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
                 file.path(), "cannot select a block of /" + name);
  }
  Handle transfer = transfer_list(file);
  // HDF5 wants a buffer even when nothing is selected.
  static const std::uint64_t nothing = 0;
  check_status(H5Dwrite(dataset.id(), type, memory_space.id(), file_space.id(), transfer.id(), data ? data : &nothing),
               file.path(), "cannot write to /" + name);
}

void write_rows_raw(const File& file, const std::string& name, hid_t type, hsize_t first, hsize_t rows,
                    const void* data) {
  std::vector<hsize_t> shape = dataset_shape(file, name);
  if (shape.empty() || first + rows > shape[0])
    fail(file.path(), "rows [" + std::to_string(first) + ", " + std::to_string(first + rows) + ") outside /" + name);
  std::vector<hsize_t> start(shape.size(), 0);
  start[0] = first;
  shape[0] = rows;
  write_hyperslab_raw(file, name, type, start, shape, data);
}

}  // namespace

template <typename T>
void create_chunked_dataset(const File& file, const std::string& name, const std::vector<hsize_t>& shape,
                            hsize_t chunk_rows) {
  create_chunked(file, name, memory_type<T>(), shape, chunk_rows);
}

void create_fixed_strings(const File& file, const std::string& name, hsize_t rows, std::size_t length,
                          hsize_t chunk_rows) {
  Handle type = fixed_string_type(length);
  create_chunked(file, name, type.id(), {rows}, chunk_rows);
}

template <typename T>
void write_rows(const File& file, const std::string& name, hsize_t first, hsize_t rows, const T* data) {
  write_rows_raw(file, name, memory_type<T>(), first, rows, data);
}

template <typename T>
void create_dataset(const File& file, const std::string& name, const std::vector<hsize_t>& shape) {
  Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose);
  Handle create_list(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_fill_time(create_list.id(), H5D_FILL_TIME_NEVER);  // every element is written
  Handle(check(H5Dcreate2(file.id(), name.c_str(), memory_type<T>(), space.id(), H5P_DEFAULT, create_list.id(),
                          H5P_DEFAULT),
               file.path(), "cannot create dataset /" + name),
         H5Dclose);
}

template <typename T>
void write_block(const File& file, const std::string& name, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, const T* data) {
  write_hyperslab_raw(file, name, memory_type<T>(), start, count, data);
}

void write_fixed_string_rows(const File& file, const std::string& name, hsize_t first,
                             const std::vector<std::string>& values) {
  Handle dataset = open_dataset(file, name);
  Handle stored(H5Dget_type(dataset.id()), H5Tclose);
  const std::size_t width = H5Tget_size(stored.id());
  for (const auto& value : values)
    if (value.size() > width)
      fail(file.path(), "'" + value + "' is longer than the " + std::to_string(width) + " bytes of /" + name);
  const std::vector<char> bytes = pack_strings(values, width);
  write_rows_raw(file, name, stored.id(), first, values.size(), bytes.data());
}

void write_attribute(const File& file, const std::string& object, const std::string& name, const std::string& value) {
  Handle type = fixed_string_type(value.size());
  const std::vector<char> bytes = pack_strings({value}, std::max<std::size_t>(value.size(), 1));
  write_attribute_raw(file, object, name, type.id(), {}, bytes.data());
}

void write_attribute(const File& file, const std::string& object, const std::string& name, std::int64_t value) {
  write_attribute_raw(file, object, name, H5T_NATIVE_INT64, {}, &value);
}

void write_attribute(const File& file, const std::string& object, const std::string& name,
                     const std::vector<double>& values) {
  write_attribute_raw(file, object, name, H5T_NATIVE_DOUBLE, {values.size()}, values.data());
}

void write_attribute(const File& file, const std::string& object, const std::string& name,
                     const std::vector<std::string>& values) {
  const std::size_t width = widest(values);
  Handle type = fixed_string_type(width);
  const std::vector<char> bytes = pack_strings(values, width);
  write_attribute_raw(file, object, name, type.id(), {values.size()}, bytes.data());
}

bool has_attribute(const File& file, const std::string& object, const std::string& name) {
  if (object != "/" && !file.exists(object)) return false;
  Handle target = open_object(file, object);
  const htri_t found = H5Aexists(target.id(), name.c_str());
  if (found < 0) fail(file.path(), "cannot look up attribute " + name + " on " + object_name(object));
  return found > 0;
}

std::string read_string_attribute(const File& file, const std::string& object, const std::string& name) {
  auto values = read_strings_attribute(file, object, name);
  if (values.size() != 1)
    fail(file.path(), "attribute " + name + " on " + object_name(object) + " is not a single string");
  return values.front();
}

std::vector<std::string> read_strings_attribute(const File& file, const std::string& object, const std::string& name) {
  Handle attribute = open_attribute(file, object, name);
  Handle stored(H5Aget_type(attribute.id()), H5Tclose);
  const std::string what = "attribute " + name + " on " + object_name(object);
  const std::size_t width = require_fixed_strings(stored.id(), file.path(), what);
  Handle space(H5Aget_space(attribute.id()), H5Sclose);
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id()));
  // An attribute's data lies in the file uncompressed: a larger claim is a damaged header, refused
  // before it becomes an allocation.
  hsize_t file_size = 0;
  H5Fget_filesize(file.id(), &file_size);
  if (width > file_size || count > file_size / width)
    fail(file.path(), what + " claims " + std::to_string(count) + " strings of " + std::to_string(width) +
                          " bytes, more than the file holds");
  std::vector<char> bytes(std::max<std::size_t>(count * width, 1));
  check_status(H5Aread(attribute.id(), stored.id(), bytes.data()), file.path(), "cannot read " + what);
  return unpack_strings(bytes, width, count);
}

std::int64_t read_integer_attribute(const File& file, const std::string& object, const std::string& name) {
  Handle attribute = open_attribute(file, object, name);
  std::int64_t value = 0;
  check_status(H5Aread(attribute.id(), H5T_NATIVE_INT64, &value), file.path(), "cannot read attribute " + name);
  return value;
}

std::vector<std::string> attribute_names(const File& file, const std::string& object) {
  Handle target = open_object(file, object);
  H5O_info_t info;
  check_status(H5Oget_info(target.id(), &info), file.path(), "cannot inspect " + object_name(object));
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    const ssize_t size = H5Aget_name_by_idx(target.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0)
      fail(file.path(), "cannot read the name of attribute " + std::to_string(i) + " of " + object_name(object));
    std::string attribute_name(static_cast<std::size_t>(size), '\0');
    if (H5Aget_name_by_idx(target.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, attribute_name.data(),
                           attribute_name.size() + 1, H5P_DEFAULT) != size)
      fail(file.path(), "cannot read the name of attribute " + std::to_string(i) + " of " + object_name(object));
    names.push_back(attribute_name);
  }
  return names;
}

bool attribute_is_string(const File& file, const std::string& object, const std::string& name) {
  Handle attribute = open_attribute(file, object, name);
  Handle type(H5Aget_type(attribute.id()), H5Tclose);
  return H5Tget_class(type.id()) == H5T_STRING;
}

void copy_object(const File& from, const std::string& from_path, const File& to, const std::string& to_path) {
  if (from_path != "/" && !from.exists(from_path)) fail(from.path(), "missing object /" + from_path);
  if (to.exists(to_path)) fail(to.path(), "/" + to_path + " already exists");
  Handle links(check(H5Pcreate(H5P_LINK_CREATE), to.path(), "cannot create link creation list"), H5Pclose);
  check_status(H5Pset_create_intermediate_group(links.id(), 1), to.path(), "cannot request intermediate groups");
  check_status(H5Ocopy(from.id(), from_path.c_str(), to.id(), to_path.c_str(), H5P_DEFAULT, links.id()), to.path(),
               "cannot copy " + from.path() + ":" + (from_path == "/" ? "/" : "/" + from_path) + " to /" + to_path);
}

#define BERTOLOGY_INSTANTIATE(T)                                                                                      \
  template void write_dataset<T>(const File&, const std::string&, const std::vector<hsize_t>&, const T*, bool, bool); \
  template std::vector<T> read_dataset<T>(const File&, const std::string&);                                           \
  template std::vector<T> read_rows<T>(const File&, const std::string&,                                               \
                                       const std::vector<std::pair<hsize_t, hsize_t>>&);                              \
  template void create_chunked_dataset<T>(const File&, const std::string&, const std::vector<hsize_t>&, hsize_t);     \
  template void write_rows<T>(const File&, const std::string&, hsize_t, hsize_t, const T*);                           \
  template void create_dataset<T>(const File&, const std::string&, const std::vector<hsize_t>&);                      \
  template void write_block<T>(const File&, const std::string&, const std::vector<hsize_t>&,                          \
                               const std::vector<hsize_t>&, const T*);
BERTOLOGY_INSTANTIATE(double)
BERTOLOGY_INSTANTIATE(float)
BERTOLOGY_INSTANTIATE(std::int64_t)
BERTOLOGY_INSTANTIATE(std::int8_t)
BERTOLOGY_INSTANTIATE(std::uint8_t)
BERTOLOGY_INSTANTIATE(char)
#undef BERTOLOGY_INSTANTIATE

}  // namespace bertology::io

#pragma once
// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}},
// then the tensors' raw little-endian bytes. Files are memory-mapped, and every claim of the
// header is checked against the file's size before a byte of data is trusted.
//
// Large checkpoints come as shards (the Hugging Face hub's layout of ESM-2 3B and 15B):
// model.safetensors.index.json, {"metadata": {"total_size": N}, "weight_map": {tensor name:
// "model-00001-of-00002.safetensors", ...}}, beside the shard files. SafetensorsReader reads
// either form as one set of tensors.
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bertology/model/model.h"

namespace bertology::model {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

struct TensorEntry {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets inside the data section
  std::uint64_t end = 0;
  std::int64_t elements() const;
};

// A whole file mapped read-only (PROT_READ, MAP_PRIVATE), unmapped with its last owner. The
// file must not change while it is mapped: a file truncated under the mapping faults (SIGBUS)
// at the first access to the lost pages.
class Mapping {
 public:
  explicit Mapping(const std::string& path);  // throws bertology::Error naming the file
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  const unsigned char* data() const { return data_; }
  std::uint64_t size() const { return size_; }
  const MappedFile& identity() const { return identity_; }

 private:
  const unsigned char* data_ = nullptr;
  std::uint64_t size_ = 0;
  MappedFile identity_;
};

// One tensor's bytes inside the mapping of its file, and a share of the mapping that keeps
// them valid for as long as it is held (a tensor built over them holds it).
struct TensorBytes {
  const unsigned char* data = nullptr;
  std::uint64_t size = 0;
  std::shared_ptr<const Mapping> mapping;
};

// One safetensors file.
class SafetensorsFile {
 public:
  // Maps the file and validates the header; throws bertology::Error naming the file (and tensor).
  explicit SafetensorsFile(std::string path);

  const std::string& path() const { return path_; }
  const MappedFile& identity() const { return mapping_->identity(); }
  const std::map<std::string, TensorEntry>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorEntry& entry(const std::string& name) const;
  TensorBytes bytes(const std::string& name) const;

 private:
  std::string path_;
  std::shared_ptr<const Mapping> mapping_;
  std::uint64_t data_start_ = 0;
  std::map<std::string, TensorEntry> tensors_;
  std::map<std::string, std::string> metadata_;
};

// The weights of a checkpoint: one safetensors file, or the shards an index lists.
class SafetensorsReader {
 public:
  // A path ending in ".index.json" is an index: its shards are plain file names in its folder,
  // each tensor in exactly one shard, the one the weight_map names, and every tensor of every
  // shard in the weight_map. Anything else is one safetensors file. Throws bertology::Error
  // naming the file at fault.
  explicit SafetensorsReader(std::string path);

  const std::string& path() const { return path_; }  // the weights file or the index
  bool sharded() const { return sharded_; }
  const std::vector<SafetensorsFile>& files() const { return files_; }  // shards in file name order
  const std::map<std::string, TensorEntry>& tensors() const { return tensors_; }
  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  const TensorEntry& entry(const std::string& name) const;
  const SafetensorsFile& file_of(const std::string& name) const;
  TensorBytes bytes(const std::string& name) const { return file_of(name).bytes(name); }

  // Reads one tensor converted to float32 into `destination` (entry(name).elements() floats).
  void read_float32(const std::string& name, float* destination) const;
  std::vector<float> read_float32(const std::string& name) const;

 private:
  std::string path_;
  bool sharded_ = false;
  std::vector<SafetensorsFile> files_;
  std::map<std::string, TensorEntry> tensors_;
  std::map<std::string, std::size_t> file_index_;  // tensor name → index into files_
};

struct TensorToWrite {
  std::string name;
  std::vector<std::int64_t> shape;
  const float* data = nullptr;  // product(shape) floats
};

// Writes float32 tensors one at a time: the header for all of them at construction, then each
// tensor's data in the order given, so that only the tensor being written need be in memory.
class SafetensorsWriter {
 public:
  // `tensors` give names and shapes (their data pointers are not read). Throws
  // bertology::Error naming the file.
  SafetensorsWriter(std::string path, const std::vector<TensorToWrite>& tensors,
                    const std::map<std::string, std::string>& metadata);

  void write(const float* data);  // the next tensor's product(shape) floats
  void close();                   // after the last tensor: flushes and checks the file

 private:
  std::string path_;
  std::ofstream out_;
  std::vector<std::uint64_t> sizes_;  // bytes of each tensor, in order
  std::size_t written_ = 0;
};

// Writes float32 tensors in the given order; throws bertology::Error naming the file.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata);

}  // namespace bertology::model

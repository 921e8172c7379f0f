#pragma once
// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}},
// then the tensors' raw little-endian bytes. Every claim of the header is checked against
// the file before a byte of data is trusted.
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace bertology::model {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

struct TensorEntry {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets inside the data section
  std::uint64_t end = 0;
  std::int64_t elements() const;
};

class SafetensorsReader {
 public:
  // Reads and validates the header; throws bertology::Error naming the file (and tensor).
  explicit SafetensorsReader(std::string path);

  const std::string& path() const { return path_; }
  const std::map<std::string, TensorEntry>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  const TensorEntry& entry(const std::string& name) const;

  // Reads one tensor converted to float32 into `destination` (entry(name).elements() floats).
  void read_float32(const std::string& name, float* destination);
  std::vector<float> read_float32(const std::string& name);

 private:
  std::string path_;
  std::ifstream file_;
  std::uint64_t data_start_ = 0;
  std::map<std::string, TensorEntry> tensors_;
  std::map<std::string, std::string> metadata_;
};

struct TensorToWrite {
  std::string name;
  std::vector<std::int64_t> shape;
  const float* data = nullptr;  // product(shape) floats
};

// Writes float32 tensors in the given order; throws bertology::Error naming the file.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata);

}  // namespace bertology::model

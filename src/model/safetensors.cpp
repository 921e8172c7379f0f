#include "safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "bertology/error.h"

// Tensor bytes are used as floats in place (and copied straight into float buffers): the host
// must be little-endian like the format.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

namespace bertology::model {
namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;
  std::uint64_t bytes;
};

constexpr DTypeInfo dtype_table[] = {{DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
                                     {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
                                     {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
                                     {DType::BOOL, "BOOL", 1}};

const DTypeInfo& dtype_info(DType dtype) {
  for (const auto& info : dtype_table) {
    if (info.dtype == dtype) return info;
  }
  throw std::logic_error("dtype missing from dtype_table");
}

std::string tensor_label(const std::string& name) { return "tensor '" + name + "'"; }

float half_to_float(std::uint16_t half) {
  const std::uint32_t sign = std::uint32_t(half & 0x8000) << 16;
  std::uint32_t exponent = (half >> 10) & 0x1f;
  std::uint32_t mantissa = half & 0x3ff;
  std::uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);  // inf, nan
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half: normalise, it is a normal float
    exponent = 113;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

float bfloat16_to_float(std::uint16_t bfloat) {
  const std::uint32_t bits = std::uint32_t(bfloat) << 16;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

template <typename Source>
void convert(const TensorBytes& raw, float* destination) {
  const std::size_t count = raw.size / sizeof(Source);
  for (std::size_t i = 0; i < count; ++i) {
    Source value;
    std::memcpy(&value, raw.data + i * sizeof(Source), sizeof(Source));
    destination[i] = static_cast<float>(value);
  }
}

template <typename Bits, typename Widen>
void convert_bits(const TensorBytes& raw, float* destination, Widen widen) {
  const std::size_t count = raw.size / sizeof(Bits);
  for (std::size_t i = 0; i < count; ++i) {
    Bits bits;
    std::memcpy(&bits, raw.data + i * sizeof(Bits), sizeof(Bits));
    destination[i] = widen(bits);
  }
}

std::uint64_t read_u64_le(const unsigned char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

TensorEntry parse_entry(const std::string& name, const nlohmann::json& json, const std::string& path) {
  const auto fail = [&](const std::string& what) { throw Error(tensor_label(name) + ": " + what, {path}); };
  if (!json.is_object()) fail("header entry is not a JSON object");
  TensorEntry entry;

  const auto dtype = json.find("dtype");
  if (dtype == json.end() || !dtype->is_string()) fail("missing string field 'dtype'");
  const auto known = std::find_if(std::begin(dtype_table), std::end(dtype_table),
                                  [&](const DTypeInfo& info) { return *dtype == info.name; });
  if (known == std::end(dtype_table)) {
    fail("dtype '" + dtype->get<std::string>() +
         "' is not one bertology reads (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  }
  entry.dtype = known->dtype;

  const auto shape = json.find("shape");
  if (shape == json.end() || !shape->is_array()) fail("missing array field 'shape'");
  std::uint64_t elements = 1;
  for (const auto& extent : *shape) {
    if (!extent.is_number_unsigned()) fail("shape holds something other than a non-negative integer");
    const auto n = extent.get<std::uint64_t>();
    if (n != 0 && elements > std::numeric_limits<std::uint64_t>::max() / known->bytes / n) fail("shape is too large");
    elements *= n;
    entry.shape.push_back(std::int64_t(n));
  }

  const auto offsets = json.find("data_offsets");
  if (offsets == json.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned()) {
    fail("'data_offsets' must be two non-negative integers [begin, end]");
  }
  entry.begin = (*offsets)[0].get<std::uint64_t>();
  entry.end = (*offsets)[1].get<std::uint64_t>();
  if (entry.end < entry.begin) fail("data_offsets end before they begin");
  if (entry.end - entry.begin != elements * known->bytes) {
    fail("data_offsets span " + std::to_string(entry.end - entry.begin) + " bytes but dtype " + known->name +
         " and shape need " + std::to_string(elements * known->bytes));
  }
  return entry;
}

// The data section must be tiled exactly by the tensors, in offset order: no overlap, no gap,
// nothing missing at the end (a truncated file) and nothing left over.
void check_tiling(const std::map<std::string, TensorEntry>& tensors, std::uint64_t data_size, const std::string& path) {
  for (const auto& [name, entry] : tensors) {
    if (entry.end > data_size) {
      throw Error(tensor_label(name) + " ends at byte " + std::to_string(entry.end) +
                      " of the data section, which holds only " + std::to_string(data_size) +
                      " bytes (truncated file?)",
                  {path});
    }
  }
  std::vector<std::pair<std::string, const TensorEntry*>> by_offset;
  for (const auto& [name, entry] : tensors) by_offset.emplace_back(name, &entry);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.second->begin, a.second->end) < std::make_pair(b.second->begin, b.second->end);
  });
  std::uint64_t covered = 0;
  std::string previous;
  for (const auto& [name, entry] : by_offset) {
    if (entry->begin < covered) {
      throw Error(tensor_label(name) + " overlaps " + tensor_label(previous) + " (data_offsets)", {path});
    }
    if (entry->begin > covered) {
      throw Error("bytes " + std::to_string(covered) + ".." + std::to_string(entry->begin) + " before " +
                      tensor_label(name) + " belong to no tensor (data_offsets)",
                  {path});
    }
    covered = entry->end;
    previous = name;
  }
  if (covered != data_size) {
    throw Error(std::to_string(data_size - covered) + " bytes after the last tensor belong to no tensor", {path});
  }
}

}  // namespace

std::int64_t TensorEntry::elements() const {
  std::int64_t count = 1;
  for (auto extent : shape) count *= extent;
  return count;
}

namespace {

MappedFile identify(const std::string& path, const struct stat& status) {
  return {path, std::uint64_t(status.st_dev), std::uint64_t(status.st_ino), std::uint64_t(status.st_size),
          std::int64_t(status.st_mtim.tv_sec) * 1000000000 + status.st_mtim.tv_nsec};
}

}  // namespace

void check_weights_unchanged(const ModelInfo& info) {
  for (const MappedFile& mapped : info.weights_files) {
    struct stat status {};
    if (::stat(mapped.path.c_str(), &status) != 0) continue;  // removed: the mapping keeps its data
    const MappedFile now = identify(mapped.path, status);
    if (now.device != mapped.device || now.inode != mapped.inode) continue;  // replaced: likewise
    require(now.size == mapped.size && now.modified_ns == mapped.modified_ns,
            "the weights file was changed in place while this job ran (" + std::to_string(mapped.size) +
                " bytes then, " + std::to_string(now.size) + " now" +
                (now.size == mapped.size ? ", modified since" : "") +
                "): weights are read where they lie in the file, so the results would mix old and new weights. "
                "Run again, and replace weights by renaming a new file into place, never by writing over one in use",
            {mapped.path});
  }
}

Mapping::Mapping(const std::string& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  require(descriptor >= 0, std::string("cannot read the weights file: ") + std::strerror(errno), {path});
  const auto fail = [&](const std::string& what) {
    const int error = errno;
    ::close(descriptor);
    throw Error(what + ": " + std::strerror(error), {path});
  };
  struct stat status {};
  if (::fstat(descriptor, &status) != 0) fail("cannot read the weights file");
  if (!S_ISREG(status.st_mode)) {
    ::close(descriptor);
    throw Error("cannot read the weights file: not a regular file", {path});
  }
  size_ = std::uint64_t(status.st_size);
  identity_ = identify(path, status);
  if (size_ > 0) {
    void* address = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, descriptor, 0);
    if (address == MAP_FAILED) fail("cannot map the weights file");
    data_ = static_cast<const unsigned char*>(address);
  }
  ::close(descriptor);  // the mapping stays valid without the descriptor
}

Mapping::~Mapping() {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
}

SafetensorsFile::SafetensorsFile(std::string path)
    : path_(std::move(path)), mapping_(std::make_shared<const Mapping>(path_)) {
  const std::uint64_t file_size = mapping_->size();
  require(file_size >= 8, "file of " + std::to_string(file_size) + " bytes is too short to be safetensors", {path_});
  const std::uint64_t header_size = read_u64_le(mapping_->data());
  require(header_size <= file_size - 8,
          "header length " + std::to_string(header_size) + " exceeds the " + std::to_string(file_size - 8) +
              " bytes after it (truncated file, or not safetensors)",
          {path_});
  data_start_ = 8 + header_size;

  nlohmann::json json;
  try {
    const auto* header = reinterpret_cast<const char*>(mapping_->data() + 8);
    json = nlohmann::json::parse(header, header + header_size);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("header is not valid JSON: ") + e.what(), {path_});
  }
  require(json.is_object(), "header is not a JSON object", {path_});
  for (const auto& [name, value] : json.items()) {
    if (name == "__metadata__") {
      require(value.is_object(), "__metadata__ is not a JSON object", {path_});
      for (const auto& [key, text] : value.items()) {
        require(text.is_string(), "__metadata__ value '" + key + "' is not a string", {path_});
        metadata_[key] = text.get<std::string>();
      }
    } else {
      tensors_.emplace(name, parse_entry(name, value, path_));
    }
  }
  check_tiling(tensors_, file_size - data_start_, path_);
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
  const auto found = tensors_.find(name);
  require(found != tensors_.end(), "missing " + tensor_label(name), {path_});
  return found->second;
}

TensorBytes SafetensorsFile::bytes(const std::string& name) const {
  const TensorEntry& tensor = entry(name);
  return {mapping_->data() + data_start_ + tensor.begin, tensor.end - tensor.begin, mapping_};
}

namespace {

namespace fs = std::filesystem;

// The index's weight_map, tensor name → shard file name, with every name a plain file name.
std::map<std::string, std::string> read_weight_map(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  require(bool(in), std::string("cannot read the index file: ") + std::strerror(errno), {path});
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("index is not valid JSON: ") + e.what(), {path});
  }
  require(json.is_object() && json.contains("weight_map") && json["weight_map"].is_object(),
          "index has no object 'weight_map' {tensor name: shard file name}", {path});
  std::map<std::string, std::string> weight_map;
  for (const auto& [name, shard] : json["weight_map"].items()) {
    require(shard.is_string(), "weight_map entry of " + tensor_label(name) + " is not a string", {path});
    const auto file = shard.get<std::string>();
    require(!file.empty() && file.find('/') == std::string::npos && file.find('\0') == std::string::npos &&
                file != "." && file != "..",
            "weight_map puts " + tensor_label(name) + " in '" + file +
                "', which is not a plain file name in the index's folder (no '/', no '..')",
            {path});
    weight_map.emplace(name, file);
  }
  require(!weight_map.empty(), "weight_map lists no tensor", {path});
  return weight_map;
}

}  // namespace

SafetensorsReader::SafetensorsReader(std::string path) : path_(std::move(path)) {
  const std::string index_suffix = ".index.json";
  sharded_ = path_.size() >= index_suffix.size() &&
             path_.compare(path_.size() - index_suffix.size(), index_suffix.size(), index_suffix) == 0;
  if (!sharded_) {
    files_.emplace_back(path_);
    tensors_ = files_.front().tensors();
    for (const auto& [name, entry] : tensors_) file_index_.emplace(name, 0);
    return;
  }

  const auto weight_map = read_weight_map(path_);
  std::set<std::string> shards;
  for (const auto& [name, shard] : weight_map) shards.insert(shard);
  const fs::path folder = fs::path(path_).parent_path();
  for (const auto& shard : shards) {
    const std::string shard_path = (folder / shard).string();
    require(fs::exists(shard_path), "shard missing: " + path_ + " lists it", {shard_path});
    files_.emplace_back(shard_path);
  }
  for (std::size_t index = 0; index < files_.size(); ++index) {
    for (const auto& [name, entry] : files_[index].tensors()) {
      const auto [first, inserted] = file_index_.emplace(name, index);
      require(inserted, tensor_label(name) + " is in two shards: " + files_[first->second].path() + " and this one",
              {files_[index].path()});
      tensors_.emplace(name, entry);
    }
  }
  for (const auto& file : files_) {
    const std::string shard = fs::path(file.path()).filename().string();
    for (const auto& [name, entry] : file.tensors()) {
      const auto mapped = weight_map.find(name);
      require(mapped != weight_map.end(), tensor_label(name) + " is missing from the weight_map of " + path_,
              {file.path()});
      require(mapped->second == shard,
              tensor_label(name) + " is in this shard but the weight_map of " + path_ + " puts it in " + mapped->second,
              {file.path()});
    }
  }
  for (const auto& [name, shard] : weight_map) {
    require(contains(name), path_ + " puts " + tensor_label(name) + " in this shard, which does not hold it",
            {(folder / shard).string()});
  }
}

const TensorEntry& SafetensorsReader::entry(const std::string& name) const {
  const auto found = tensors_.find(name);
  require(found != tensors_.end(), "missing " + tensor_label(name), {path_});
  return found->second;
}

const SafetensorsFile& SafetensorsReader::file_of(const std::string& name) const {
  const auto found = file_index_.find(name);
  require(found != file_index_.end(), "missing " + tensor_label(name), {path_});
  return files_[found->second];
}

void SafetensorsReader::read_float32(const std::string& name, float* destination) const {
  const TensorEntry& tensor = entry(name);
  const TensorBytes raw = bytes(name);
  switch (tensor.dtype) {
    case DType::F32:
      if (raw.size > 0) std::memcpy(destination, raw.data, raw.size);
      break;
    case DType::F64:
      convert<double>(raw, destination);
      break;
    case DType::F16:
      convert_bits<std::uint16_t>(raw, destination, half_to_float);
      break;
    case DType::BF16:
      convert_bits<std::uint16_t>(raw, destination, bfloat16_to_float);
      break;
    case DType::I64:
      convert<std::int64_t>(raw, destination);
      break;
    case DType::I32:
      convert<std::int32_t>(raw, destination);
      break;
    case DType::I16:
      convert<std::int16_t>(raw, destination);
      break;
    case DType::I8:
      convert<std::int8_t>(raw, destination);
      break;
    case DType::U8:
      convert<std::uint8_t>(raw, destination);
      break;
    case DType::BOOL:
      convert<std::uint8_t>(raw, destination);
      break;
  }
}

std::vector<float> SafetensorsReader::read_float32(const std::string& name) const {
  std::vector<float> values(std::size_t(entry(name).elements()));
  read_float32(name, values.data());
  return values;
}

SafetensorsWriter::SafetensorsWriter(std::string path, const std::vector<TensorToWrite>& tensors,
                                     const std::map<std::string, std::string>& metadata)
    : path_(std::move(path)) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    std::uint64_t elements = 1;
    for (auto extent : tensor.shape) elements *= std::uint64_t(extent);
    const std::uint64_t bytes = elements * dtype_info(DType::F32).bytes;
    header[tensor.name] = {{"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + bytes}}};
    sizes_.push_back(bytes);
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the format recommends

  out_.open(path_, std::ios::binary | std::ios::trunc);
  require(bool(out_), "cannot create the weights file", {path_});
  unsigned char length_bytes[8];
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<unsigned char>(std::uint64_t(text.size()) >> (8 * i));
  out_.write(reinterpret_cast<const char*>(length_bytes), 8);
  out_.write(text.data(), std::streamsize(text.size()));
  require(bool(out_), "error while writing the weights file", {path_});
}

void SafetensorsWriter::write(const float* data) {
  if (written_ == sizes_.size()) throw std::logic_error("SafetensorsWriter: more tensors than the header declares");
  out_.write(reinterpret_cast<const char*>(data), std::streamsize(sizes_[written_++]));
  require(bool(out_), "error while writing the weights file", {path_});
}

void SafetensorsWriter::close() {
  if (written_ != sizes_.size()) throw std::logic_error("SafetensorsWriter: fewer tensors than the header declares");
  out_.close();
  require(bool(out_), "error while writing the weights file", {path_});
}

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter writer(path, tensors, metadata);
  for (const auto& tensor : tensors) writer.write(tensor.data);
  writer.close();
}

}  // namespace bertology::model

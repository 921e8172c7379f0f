// The safetensors reader must refuse every lie a header can tell, naming the file; the
// writer's files must read back exactly.
#include "safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "bertology/model/model.h"
#include "model_test_support.h"

namespace bertology::model {
namespace {

using testing::expect_error_mentioning;
using testing::read_bytes;
using testing::ScratchFolder;
using testing::write_bytes;

std::string length_prefix(std::uint64_t length) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[std::size_t(i)] = char((length >> (8 * i)) & 0xff);
  return bytes;
}

// A golden weights file split into its JSON header and its data section.
struct SplitFile {
  nlohmann::json header;
  std::string data;

  explicit SplitFile(const std::string& path) {
    const std::string bytes = read_bytes(path);
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[std::size_t(i)]);
    header = nlohmann::json::parse(bytes.substr(8, length));
    data = bytes.substr(8 + length);
  }
  void write(const std::string& path) const {
    const std::string text = header.dump();
    write_bytes(path, length_prefix(text.size()) + text + data);
  }
};

class BrokenWeights : public ::testing::Test {
 protected:
  void SetUp() override { folder_ = testing::copy_golden("tape_bert", scratch_); }
  std::string weights() const { return folder_ + "/model.safetensors"; }
  void expect_rejected(const std::vector<std::string>& parts) const {
    auto with_file = parts;
    with_file.push_back(weights());
    expect_error_mentioning([&] { SafetensorsReader reader(weights()); }, with_file);
    expect_error_mentioning([&] { load_model({folder_, std::nullopt, {}, 1}); }, {"model.safetensors"});
  }
  ScratchFolder scratch_;
  std::string folder_;
};

TEST_F(BrokenWeights, GoldenFileIsAccepted) {
  SafetensorsReader reader(weights());
  EXPECT_EQ(reader.tensors().size(), 45u);
  EXPECT_EQ(reader.files().front().metadata().at("arch"), "tape_bert");
  EXPECT_EQ(reader.entry("bert.embeddings.word_embeddings.weight").shape, (std::vector<std::int64_t>{30, 48}));
}

TEST_F(BrokenWeights, TruncatedFile) {
  const std::string bytes = read_bytes(weights());
  write_bytes(weights(), bytes.substr(0, bytes.size() - 500));
  expect_rejected({"truncated"});
}

TEST_F(BrokenWeights, FileCutInsideTheHeader) {
  write_bytes(weights(), read_bytes(weights()).substr(0, 100));
  expect_rejected({"header length"});
}

TEST_F(BrokenWeights, FileShorterThanTheLengthField) {
  write_bytes(weights(), "abc");
  expect_rejected({"too short"});
}

TEST_F(BrokenWeights, HeaderShapeLiesAboutTheSize) {
  SplitFile file(weights());
  file.header["bert.embeddings.LayerNorm.bias"]["shape"] = {49};
  file.write(weights());
  expect_rejected({"bert.embeddings.LayerNorm.bias", "need"});
}

TEST_F(BrokenWeights, HeaderIsNotJson) {
  const std::string text = "{\"bert.x\": {\"dtype\": \"F32\",";
  write_bytes(weights(), length_prefix(text.size()) + text + std::string(64, '\0'));
  expect_rejected({"not valid JSON"});
}

TEST_F(BrokenWeights, OverlappingOffsets) {
  SplitFile file(weights());
  // Both 192-byte tensors claim bytes 0..192; the data section keeps its size.
  file.header["bert.embeddings.LayerNorm.weight"]["data_offsets"] = {0, 192};
  file.write(weights());
  expect_rejected({"overlaps"});
}

TEST_F(BrokenWeights, OffsetsBeyondTheData) {
  SplitFile file(weights());
  const auto size = file.data.size();
  file.header["mlm.bias"]["data_offsets"] = {size, size + 120};
  file.write(weights());
  expect_rejected({"mlm.bias", "truncated"});
}

TEST_F(BrokenWeights, StrayBytesAfterTheLastTensor) {
  SplitFile file(weights());
  file.data += std::string(16, '\0');
  file.write(weights());
  expect_rejected({"belong to no tensor"});
}

TEST_F(BrokenWeights, UnknownDtype) {
  SplitFile file(weights());
  file.header["mlm.bias"]["dtype"] = "F8_E4M3";
  file.write(weights());
  expect_rejected({"mlm.bias", "F8_E4M3"});
}

TEST_F(BrokenWeights, NegativeOrMissingFields) {
  SplitFile file(weights());
  file.header["mlm.bias"]["shape"] = {-30};
  file.write(weights());
  expect_rejected({"mlm.bias", "shape"});
  file.header["mlm.bias"].erase("shape");
  file.write(weights());
  expect_rejected({"mlm.bias", "shape"});
}

TEST_F(BrokenWeights, MissingFile) {
  std::filesystem::remove(weights());
  expect_rejected({"cannot read"});
}

TEST(Safetensors, WriterRoundTripsFloat32AndMetadata) {
  ScratchFolder scratch;
  const std::string path = scratch.path("model.safetensors");
  const std::vector<float> matrix = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  const std::vector<float> vector = {42.0f};
  write_safetensors(path, {{"b.matrix", {2, 3}, matrix.data()}, {"a.vector", {1}, vector.data()}}, {{"seed", "7"}});

  SafetensorsReader reader(path);
  EXPECT_EQ(reader.files().front().metadata().at("seed"), "7");
  EXPECT_EQ(reader.entry("b.matrix").shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(reader.read_float32("b.matrix"), matrix);
  EXPECT_EQ(reader.read_float32("a.vector"), vector);
  EXPECT_EQ(static_cast<unsigned char>(read_bytes(path)[0]) % 8, 0);  // header padded: the data stays 8-byte aligned
  expect_error_mentioning([&] { reader.entry("c"); }, {"missing tensor 'c'", path});
}

TEST(Safetensors, ConvertsOtherDtypesToFloat32) {
  ScratchFolder scratch;
  const std::string path = scratch.path("model.safetensors");
  // F16: 1, -2, 65504 (largest), 2^-24 (smallest subnormal); BF16: 1, -0.5; F64: 0.1; I64: -3.
  const std::uint16_t half[] = {0x3c00, 0xc000, 0x7bff, 0x0001};
  const std::uint16_t bfloat[] = {0x3f80, 0xbf00};
  const double wide = 0.1;
  const std::int64_t integer = -3;
  std::string data(reinterpret_cast<const char*>(half), 8);
  data.append(reinterpret_cast<const char*>(bfloat), 4);
  data.append(reinterpret_cast<const char*>(&wide), 8);
  data.append(reinterpret_cast<const char*>(&integer), 8);
  const nlohmann::json header = {
      {"h", {{"dtype", "F16"}, {"shape", {4}}, {"data_offsets", {0, 8}}}},
      {"b", {{"dtype", "BF16"}, {"shape", {2}}, {"data_offsets", {8, 12}}}},
      {"d", {{"dtype", "F64"}, {"shape", nlohmann::json::array()}, {"data_offsets", {12, 20}}}},
      {"i", {{"dtype", "I64"}, {"shape", {1, 1}}, {"data_offsets", {20, 28}}}}};
  write_bytes(path, length_prefix(header.dump().size()) + header.dump() + data);

  SafetensorsReader reader(path);
  EXPECT_EQ(reader.read_float32("h"), (std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)}));
  EXPECT_EQ(reader.read_float32("b"), (std::vector<float>{1.0f, -0.5f}));
  EXPECT_EQ(reader.read_float32("d"), (std::vector<float>{0.1f}));
  EXPECT_EQ(reader.read_float32("i"), (std::vector<float>{-3.0f}));
}

}  // namespace
}  // namespace bertology::model

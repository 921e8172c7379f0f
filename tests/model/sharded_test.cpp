// Weights memory-mapped and sharded as the Hugging Face hub ships large checkpoints
// (model.safetensors.index.json beside model-0000K-of-0000N.safetensors): a seeded model loads
// to the same attention sharded or not, every disagreement between the index and its shards is
// refused naming the file, and on the CPU in float32 the weights are the mapped file itself.
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bertology/io/checksum.h"
#include "bertology/model/make_model.h"
#include "model_test_support.h"
#include "safetensors.h"
#include "torch_encoder.h"

namespace bertology::model {
namespace {

namespace fs = std::filesystem;
using testing::expect_error_mentioning;
using testing::read_bytes;
using testing::ScratchFolder;
using testing::write_bytes;

// Every map the forward hands out, in order (the tiny models' layers come whole).
std::vector<float> all_maps(Model& model, const std::string& sequence) {
  const auto ids = model.tokenizer().encode(sequence);
  std::vector<float> maps;
  model.forward({1, std::int64_t(ids.size()), ids, {std::int64_t(ids.size())}}, [&](int, const AttentionMaps& layer) {
    maps.insert(maps.end(), layer.data, layer.data + layer.batch * layer.heads * layer.tokens * layer.tokens);
  });
  return maps;
}

class ShardedModel : public ::testing::TestWithParam<Architecture> {};

TEST_P(ShardedModel, LoadsAsTheSameModelAsItsSingleFile) {
  ScratchFolder scratch;
  make_model(testing::small_model(GetParam(), 21, scratch.path("single"), 1));
  make_model(testing::small_model(GetParam(), 21, scratch.path("sharded"), 3));
  EXPECT_FALSE(fs::exists(scratch.path("sharded/model.safetensors")));
  for (const char* shard :
       {"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"}) {
    EXPECT_TRUE(fs::exists(scratch.path("sharded/") + shard)) << shard;
  }

  const SafetensorsReader single(scratch.path("single/model.safetensors"));
  const SafetensorsReader sharded(scratch.path("sharded/model.safetensors.index.json"));
  ASSERT_TRUE(sharded.sharded());
  EXPECT_EQ(sharded.files().size(), 3u);
  ASSERT_EQ(sharded.tensors().size(), single.tensors().size());
  std::uint64_t total_size = 0;
  for (const auto& [name, entry] : single.tensors()) {
    EXPECT_EQ(sharded.entry(name).shape, entry.shape) << name;
    EXPECT_EQ(sharded.read_float32(name), single.read_float32(name)) << name;
    total_size += entry.end - entry.begin;
  }
  const auto index = nlohmann::json::parse(read_bytes(sharded.path()));
  EXPECT_EQ(index.at("metadata").at("total_size").get<std::uint64_t>(), total_size);

  auto a = load_model({scratch.path("single"), std::nullopt, {}, 1});
  auto b = load_model({scratch.path("sharded"), std::nullopt, {}, 1});
  EXPECT_EQ(b->info().architecture, GetParam());
  const std::string sequence = "MKTAYIAKQRQISFVKSHFSRQ";
  EXPECT_EQ(all_maps(*a, sequence), all_maps(*b, sequence));  // exact, float32

  // weights_sha256 of shards: the index's bytes, then "<shard sha256>  <name>\n" per shard.
  io::Sha256 expected;
  const std::string index_text = read_bytes(sharded.path());
  expected.update(index_text.data(), index_text.size());
  for (const auto& file : sharded.files()) {
    const std::string line = io::sha256_file(file.path()) + "  " + fs::path(file.path()).filename().string() + "\n";
    expected.update(line.data(), line.size());
  }
  EXPECT_EQ(b->info().weights_sha256, expected.hex_digest());
  EXPECT_EQ(a->info().weights_sha256, io::sha256_file(single.path()));
}

INSTANTIATE_TEST_SUITE_P(EveryLayout, ShardedModel,
                         ::testing::Values(Architecture::tape_bert, Architecture::prot_bert, Architecture::prot_albert,
                                           Architecture::prot_xlnet, Architecture::esm2),
                         [](const auto& info) { return architecture_name(info.param); });

TEST(ShardedFolder, ForceReplacesOneFormByTheOther) {
  ScratchFolder scratch;
  auto options = testing::small_model(Architecture::esm2, 21, scratch.path("m"), 1);
  make_model(options);
  options.shards = 2;
  expect_error_mentioning([&] { make_model(options); }, {"--force"});
  options.force = true;
  make_model(options);
  EXPECT_FALSE(fs::exists(scratch.path("m/model.safetensors")));
  EXPECT_EQ(load_model({scratch.path("m"), std::nullopt, {}, 1})->info().layers, 3);
  options.shards = 1;
  make_model(options);
  EXPECT_FALSE(fs::exists(scratch.path("m/model.safetensors.index.json")));
  EXPECT_EQ(load_model({scratch.path("m"), std::nullopt, {}, 1})->info().layers, 3);
}

TEST(ShardedFolder, MissingShardOrBothFormsAreRefused) {
  ScratchFolder scratch;
  make_model(testing::small_model(Architecture::prot_bert, 21, scratch.path("m"), 2));
  const std::string second = scratch.path("m/model-00002-of-00002.safetensors");
  const std::string bytes = read_bytes(second);
  fs::remove(second);
  expect_error_mentioning(
      [&] {
        load_model({scratch.path("m"), std::nullopt, {}, 1});
      },
      {"model-00002-of-00002.safetensors", "missing"});
  write_bytes(second, bytes.substr(0, bytes.size() - 4));
  expect_error_mentioning(
      [&] {
        load_model({scratch.path("m"), std::nullopt, {}, 1});
      },
      {"model-00002-of-00002.safetensors", "truncated"});
  write_bytes(second, bytes);
  write_bytes(scratch.path("m/model.safetensors"), "stale");
  expect_error_mentioning(
      [&] {
        load_model({scratch.path("m"), std::nullopt, {}, 1});
      },
      {"model.safetensors.index.json", "both"});
}

// A config that disagrees with the weights names the shard that holds the tensor, not the index.
TEST(ShardedFolder, AShapeThatDoesNotFitNamesItsShard) {
  ScratchFolder scratch;
  make_model(testing::small_model(Architecture::prot_bert, 21, scratch.path("m"), 2));
  const std::string config_path = scratch.path("m/config.json");
  auto config = nlohmann::json::parse(read_bytes(config_path));
  config["intermediate_size"] = config["intermediate_size"].get<int>() + 8;
  write_bytes(config_path, config.dump());
  try {
    load_model({scratch.path("m"), std::nullopt, {}, 1});
    ADD_FAILURE() << "weights of another shape were loaded";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("has shape"), std::string::npos) << message;
    EXPECT_NE(message.find("-of-00002.safetensors"), std::string::npos) << message;
    EXPECT_EQ(message.find("index.json"), std::string::npos) << message;
  }
}

// The weights are read where they lie: a file written over in place is noticed, a file replaced
// by renaming another into place (or removed) is not a change, since the mapping keeps its data.
TEST(MappedWeights, AFileChangedInPlaceIsNoticedAndOneReplacedIsNot) {
  ScratchFolder scratch;
  make_model(testing::small_model(Architecture::esm2, 21, scratch.path("m"), 2));
  auto model = load_model({scratch.path("m"), std::nullopt, {}, 1});
  const ModelInfo& info = model->info();
  ASSERT_EQ(info.weights_files.size(), 2u);
  EXPECT_NO_THROW(check_weights_unchanged(info));

  const std::string first = info.weights_files[0].path;
  const std::string copy = scratch.path("copy.safetensors");
  fs::copy_file(first, copy);
  fs::rename(copy, first);  // another file at the same path
  EXPECT_NO_THROW(check_weights_unchanged(info));

  auto again = load_model({scratch.path("m"), std::nullopt, {}, 1});
  const std::string second = again->info().weights_files[1].path;
  std::ofstream(second, std::ios::binary | std::ios::app) << '\0';  // the same file, one byte longer
  expect_error_mentioning([&] { check_weights_unchanged(again->info()); }, {second, "changed in place", "renaming"});
}

// Three tensors in two hand-made shards, and an index that the tests bend.
class BrokenIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    shard("a.safetensors", {"x", "y"});
    shard("b.safetensors", {"z"});
    weight_map_ = {{"x", "a.safetensors"}, {"y", "a.safetensors"}, {"z", "b.safetensors"}};
  }
  void shard(const std::string& file, const std::vector<std::string>& names) {
    std::vector<TensorToWrite> tensors;
    for (const auto& name : names) tensors.push_back({name, {2}, values_});
    write_safetensors(scratch_.path(file), tensors, {{"format", "pt"}});
  }
  std::string index() const {
    const std::string path = scratch_.path("model.safetensors.index.json");
    write_bytes(path, nlohmann::json{{"metadata", {{"total_size", 24}}}, {"weight_map", weight_map_}}.dump());
    return path;
  }
  void expect_rejected(const std::vector<std::string>& parts) {
    const std::string path = index();
    expect_error_mentioning([&] { SafetensorsReader reader(path); }, parts);
  }
  ScratchFolder scratch_;
  nlohmann::json weight_map_;
  const float values_[2] = {1.5f, -2.5f};
};

TEST_F(BrokenIndex, ConsistentShardsReadAsOneSet) {
  const SafetensorsReader reader(index());
  EXPECT_EQ(reader.tensors().size(), 3u);
  EXPECT_EQ(reader.file_of("z").path(), scratch_.path("b.safetensors"));
  EXPECT_EQ(reader.read_float32("y"), (std::vector<float>{1.5f, -2.5f}));
  expect_error_mentioning([&] { reader.entry("w"); }, {"missing tensor 'w'", reader.path()});
}

TEST_F(BrokenIndex, MissingShard) {
  weight_map_["z"] = "c.safetensors";
  expect_rejected({scratch_.path("c.safetensors"), "missing"});
}

TEST_F(BrokenIndex, NameInTwoShards) {
  shard("b.safetensors", {"y", "z"});
  expect_rejected({"'y'", "two shards", scratch_.path("a.safetensors"), scratch_.path("b.safetensors")});
}

TEST_F(BrokenIndex, WeightMapEntryAbsentFromItsShard) {
  weight_map_["w"] = "b.safetensors";
  expect_rejected({"'w'", scratch_.path("b.safetensors"), "does not hold it"});
}

TEST_F(BrokenIndex, WeightMapPutsATensorInTheWrongShard) {
  weight_map_["y"] = "b.safetensors";
  expect_rejected({"'y'", scratch_.path("a.safetensors"), "puts it in b.safetensors"});
}

TEST_F(BrokenIndex, ShardTensorAbsentFromTheWeightMap) {
  shard("b.safetensors", {"z", "extra"});
  expect_rejected({"'extra'", scratch_.path("b.safetensors"), "missing from the weight_map"});
}

TEST_F(BrokenIndex, ShardOutsideTheFolder) {
  for (const char* name : {"../a.safetensors", "sub/a.safetensors", "..", ""}) {
    weight_map_["z"] = name;
    expect_rejected({std::string("'") + name + "'", "plain file name", scratch_.path("model.safetensors.index.json")});
  }
}

TEST_F(BrokenIndex, IndexWithoutWeightMap) {
  const std::string path = scratch_.path("model.safetensors.index.json");
  write_bytes(path, R"({"metadata": {}})");
  expect_error_mentioning([&] { SafetensorsReader reader(path); }, {"weight_map", path});
  write_bytes(path, "{");
  expect_error_mentioning([&] { SafetensorsReader reader(path); }, {"not valid JSON", path});
  weight_map_ = nlohmann::json::object();
  expect_rejected({"no tensor", path});
}

// On the CPU in float32 a weight is the file's mapped bytes, and it keeps the mapping alive
// after the reader is gone; other storage types are copies.
TEST(MappedWeights, Float32OnTheCpuAliasesTheFile) {
  ScratchFolder scratch;
  make_model(testing::small_model(Architecture::esm2, 21, scratch.path("m"), 2));
  const std::string name = "esm.encoder.layer.1.attention.self.query.weight";
  torch::Tensor mapped, copied;
  std::vector<float> expected;
  {
    SafetensorsReader reader(scratch.path("m/model.safetensors.index.json"));
    const TensorBytes bytes = reader.bytes(name);
    ASSERT_GE(bytes.data, bytes.mapping->data());
    ASSERT_LE(bytes.data + bytes.size, bytes.mapping->data() + bytes.mapping->size());
    expected = reader.read_float32(name);

    WeightLoader float32(reader, torch::kCPU, torch::kFloat32, 1e-5);
    mapped = float32.tensor(name);
    EXPECT_EQ(mapped.data_ptr(), static_cast<const void*>(bytes.data));
    WeightLoader bfloat16(reader, torch::kCPU, torch::kBFloat16, 1e-5);
    copied = bfloat16.tensor(name);
    const auto* copy = static_cast<const unsigned char*>(copied.data_ptr());
    EXPECT_TRUE(copy + copied.nbytes() <= bytes.mapping->data() ||
                copy >= bytes.mapping->data() + bytes.mapping->size());
  }
  ASSERT_EQ(mapped.numel(), std::int64_t(expected.size()));
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), mapped.data_ptr<float>()));  // still mapped
  EXPECT_TRUE(torch::allclose(copied.to(torch::kFloat32), mapped, 1e-2, 1e-2));
}

}  // namespace
}  // namespace bertology::model

// Seeded model folders: loadable in the public layout they claim, deterministic for a seed.
#include "bertology/model/make_model.h"

#include <nlohmann/json.hpp>
#include <random>

#include "model_test_support.h"
#include "safetensors.h"

namespace bertology::model {
namespace {

using testing::read_bytes;
using testing::ScratchFolder;

std::vector<float> all_maps(Model& model, const std::string& sequence) {
  const auto ids = model.tokenizer().encode(sequence);
  std::vector<float> maps;
  model.forward({1, std::int64_t(ids.size()), ids, {std::int64_t(ids.size())}}, [&](int, const AttentionMaps& layer) {
    const auto size = layer.batch * layer.heads * layer.tokens * layer.tokens;
    maps.insert(maps.end(), layer.data, layer.data + size);
    for (std::int64_t row = 0; row < layer.batch * layer.heads * layer.tokens; ++row) {
      double sum = 0;
      for (std::int64_t key = 0; key < layer.tokens; ++key) sum += layer.data[row * layer.tokens + key];
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  });
  return maps;
}

class MadeModel : public ::testing::TestWithParam<Architecture> {};

TEST_P(MadeModel, LoadsAsItsLayoutAndIsDeterministicForASeed) {
  ScratchFolder scratch;
  make_model(testing::small_model(GetParam(), 11, scratch.path("a")));
  make_model(testing::small_model(GetParam(), 11, scratch.path("b")));
  make_model(testing::small_model(GetParam(), 12, scratch.path("c")));

  auto a = load_model({scratch.path("a"), std::nullopt, {}, 1});
  EXPECT_EQ(a->info().architecture, GetParam());  // detected, not told
  EXPECT_EQ(a->info().layers, 3);
  EXPECT_EQ(a->info().heads, 2);
  EXPECT_EQ(a->info().hidden, 16);
  // XLNet's relative positions take bertology's 512; ESM-2's rotary ones any length.
  EXPECT_EQ(a->info().max_positions, GetParam() == Architecture::prot_xlnet ? 512
                                     : GetParam() == Architecture::esm2     ? 0
                                                                            : 64);
  auto b = load_model({scratch.path("b"), std::nullopt, {}, 1});
  auto c = load_model({scratch.path("c"), std::nullopt, {}, 1});
  EXPECT_EQ(a->info().weights_sha256, b->info().weights_sha256);
  EXPECT_NE(a->info().weights_sha256, c->info().weights_sha256);

  const std::string sequence = "MKTAYIAKQRQISFVKSHFSRQ";
  const auto maps_a = all_maps(*a, sequence);
  EXPECT_EQ(maps_a, all_maps(*b, sequence));
  EXPECT_NE(maps_a, all_maps(*c, sequence));
  // The goldens' weight scale makes attention peaked: some entries above the paper's θ = 0.3.
  EXPECT_GT(*std::max_element(maps_a.begin(), maps_a.end()), 0.3f);
}

// A sequence's maps in a padded batch of random lengths equal its maps alone within the
// goldens' tolerance (1e-4): batching moves α by float32 rounding only.
TEST_P(MadeModel, BatchedMapsEqualMapsAloneWithinTheTolerance) {
  ScratchFolder scratch;
  make_model(testing::small_model(GetParam(), 9, scratch.path("m")));
  auto model = load_model({scratch.path("m"), std::nullopt, {}, 1});
  std::mt19937 random(1234 + static_cast<unsigned>(GetParam()));
  std::vector<std::vector<std::int64_t>> rows;
  for (int row = 0; row < 5; ++row) {
    std::string residues;
    const int length = std::uniform_int_distribution<int>(3, 60)(random);
    for (int k = 0; k < length; ++k) residues += "ACDEFGHIKLMNPQRSTVWY"[random() % 20];
    rows.push_back(model->tokenizer().encode(residues));
  }
  std::int64_t tokens = 0;
  for (const auto& row : rows) tokens = std::max(tokens, std::int64_t(row.size()));
  TokenBatch batch{std::int64_t(rows.size()), tokens, {}, {}};
  for (const auto& row : rows) {
    batch.ids.insert(batch.ids.end(), row.begin(), row.end());
    batch.ids.insert(batch.ids.end(), std::size_t(tokens) - row.size(), model->tokenizer().pad_id());
    batch.lengths.push_back(std::int64_t(row.size()));
  }
  std::vector<std::vector<float>> batched;  // per layer [rows, heads, tokens, tokens] (the tiny layers come whole)
  model->forward(batch, [&](int, const AttentionMaps& maps) {
    batched.emplace_back(maps.data, maps.data + maps.batch * maps.heads * maps.tokens * maps.tokens);
  });
  const std::int64_t heads = model->info().heads;
  double largest = 0;
  for (std::size_t b = 0; b < rows.size(); ++b) {
    const std::int64_t length = batch.lengths[b];
    std::vector<std::vector<float>> alone;
    model->forward({1, length, rows[b], {length}}, [&](int, const AttentionMaps& maps) {
      alone.emplace_back(maps.data, maps.data + maps.heads * maps.tokens * maps.tokens);
    });
    ASSERT_EQ(alone.size(), batched.size());
    for (std::size_t layer = 0; layer < alone.size(); ++layer)
      for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t i = 0; i < length; ++i)
          for (std::int64_t j = 0; j < length; ++j)
            largest = std::max(
                largest, double(std::abs(batched[layer][((std::int64_t(b) * heads + h) * tokens + i) * tokens + j] -
                                         alone[layer][(h * length + i) * length + j])));
  }
  std::printf("%s: max |batched - alone| = %.3g\n", architecture_name(GetParam()).c_str(), largest);
  EXPECT_LT(largest, 1e-4);
}

TEST_P(MadeModel, ConfigSaysTheWeightsAreSeeded) {
  ScratchFolder scratch;
  make_model(testing::small_model(GetParam(), 5, scratch.path("m")));
  const auto config = nlohmann::json::parse(read_bytes(scratch.path("m/config.json")));
  EXPECT_EQ(config.at("bertology_seed").get<std::uint64_t>(), 5u);
  const bool xlnet = GetParam() == Architecture::prot_xlnet;
  EXPECT_EQ(config.at(xlnet ? "d_inner" : "intermediate_size").get<int>(), 64);     // 4 × hidden by default
  EXPECT_EQ(config.contains("model_type"), GetParam() != Architecture::tape_bert);  // TAPE's configs have none
  EXPECT_NE(load_model({scratch.path("m"), std::nullopt, {}, 1})->info().weights_note.find("seed 5"),
            std::string::npos);
}

// The folder is complete: the tokenizer reads the residues, with the layout's special tokens.
TEST_P(MadeModel, TokenizerFileComesWithTheWeights) {
  ScratchFolder scratch;
  make_model(testing::small_model(GetParam(), 5, scratch.path("m")));
  const bool sentencepiece = GetParam() == Architecture::prot_albert || GetParam() == Architecture::prot_xlnet;
  EXPECT_EQ(std::filesystem::exists(scratch.path("m/spiece.model")), sentencepiece);
  EXPECT_EQ(std::filesystem::exists(scratch.path("m/vocab.txt")), !sentencepiece);
  auto model = load_model({scratch.path("m"), std::nullopt, {}, 1});
  const auto ids = model->tokenizer().encode("MKTAYIAKQRUZOBX");
  const auto& info = model->info();
  EXPECT_EQ(ids.size(), 15u + std::size_t(info.leading_special_tokens + info.trailing_special_tokens));
}

TEST_P(MadeModel, RefusesToOverwriteUnlessForced) {
  ScratchFolder scratch;
  auto options = testing::small_model(GetParam(), 1, scratch.path("m"));
  make_model(options);
  const std::string before = read_bytes(scratch.path("m/model.safetensors"));
  options.seed = 2;
  testing::expect_error_mentioning([&] { make_model(options); }, {"config.json", "--force"});
  EXPECT_EQ(read_bytes(scratch.path("m/model.safetensors")), before);
  options.force = true;
  make_model(options);
  EXPECT_NE(read_bytes(scratch.path("m/model.safetensors")), before);
}

TEST_P(MadeModel, RejectsImpossibleSizes) {
  ScratchFolder scratch;
  auto options = testing::small_model(GetParam(), 1, scratch.path("m"));
  options.heads = 3;
  testing::expect_error_mentioning([&] { make_model(options); }, {"not divisible"});
  EXPECT_FALSE(std::filesystem::exists(scratch.path("m/model.safetensors")));
}

TEST(MadeLayout, AlbertHasFactorisedEmbeddingsAndOneSharedLayer) {
  ScratchFolder scratch;
  auto options = testing::small_model(Architecture::prot_albert, 3, scratch.path("m"));
  options.embedding = 8;
  make_model(options);
  SafetensorsReader weights(scratch.path("m/model.safetensors"));
  EXPECT_EQ(weights.entry("albert.embeddings.word_embeddings.weight").shape, (std::vector<std::int64_t>{30, 8}));
  EXPECT_EQ(weights.entry("albert.encoder.embedding_hidden_mapping_in.weight").shape,
            (std::vector<std::int64_t>{16, 8}));
  EXPECT_TRUE(weights.contains("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight"));
  EXPECT_FALSE(weights.contains("albert.encoder.albert_layer_groups.1.albert_layers.0.ffn.weight"));
  EXPECT_EQ(load_model({scratch.path("m"), std::nullopt, {}, 1})->info().layers, 3);
}

// ESM-2 checkpoints hold their rotary frequencies rounded through float16; so do ours: the same
// head size as the esm2 golden gives its values bit for bit.
TEST(MadeLayout, Esm2RotaryFrequenciesAreThoseOfTheCheckpoints) {
  ScratchFolder scratch;
  auto options = testing::small_model(Architecture::esm2, 3, scratch.path("m"));
  options.hidden = 48;
  options.heads = 4;
  make_model(options);
  SafetensorsReader made(scratch.path("m/model.safetensors"));
  SafetensorsReader golden(testing::golden_folder("esm2") + "/model.safetensors");
  const std::string name = "esm.encoder.layer.0.attention.self.rotary_embeddings.inv_freq";
  EXPECT_EQ(made.read_float32(name), golden.read_float32(name));
}

TEST(MadeLayout, TorchScriptHasNoLayout) {
  ScratchFolder scratch;
  testing::expect_error_mentioning(
      [&] { make_model(testing::small_model(Architecture::torchscript, 1, scratch.path("m"))); }, {"TorchScript"});
}

INSTANTIATE_TEST_SUITE_P(EveryLayout, MadeModel,
                         ::testing::Values(Architecture::tape_bert, Architecture::prot_bert, Architecture::prot_albert,
                                           Architecture::prot_xlnet, Architecture::esm2),
                         [](const auto& info) { return architecture_name(info.param); });

}  // namespace
}  // namespace bertology::model

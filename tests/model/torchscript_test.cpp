// The TorchScript contract (src/model/torchscript.cpp): a module written here in TorchScript,
// saved as model.pt with its bertology.json, runs through load_model like a built-in encoder.
#include <torch/script.h>

#include <nlohmann/json.hpp>

#include "bertology/model/model.h"
#include "model_test_support.h"

namespace bertology::model {
namespace {

using testing::expect_error_mentioning;
using testing::ScratchFolder;

// Two layers of two heads over embedding dot products; padded keys get zero weight.
constexpr const char* attention_module = R"(
def forward(self, input_ids, attention_mask):
    x = torch.embedding(self.embedding, input_ids)
    scores = torch.matmul(x, x.transpose(1, 2))
    penalty = (1.0 - attention_mask.unsqueeze(1).float()) * -10000.0
    first = torch.stack([torch.softmax(scores + penalty, -1), torch.softmax(0.5 * scores + penalty, -1)], 1)
    second = torch.stack([torch.softmax(penalty - scores, -1), torch.softmax(penalty + 0.0 * scores, -1)], 1)
    return [first, second]
)";

const std::vector<std::string> vocabulary{"<cls>", "<pad>", "<eos>", "A", "C", "D", "E", "K", "M", "T", "X"};

struct ScriptedModel {
  torch::Tensor embedding;
  std::string folder;
};

ScriptedModel write_scripted_model(const ScratchFolder& scratch, int layers_claimed = 2) {
  torch::manual_seed(7);
  ScriptedModel scripted{torch::randn({std::int64_t(vocabulary.size()), 4}), scratch.path("scripted")};
  std::filesystem::create_directories(scripted.folder);
  torch::jit::Module module("Attentions");
  module.register_parameter("embedding", scripted.embedding, false);
  module.define(attention_module);
  module.save(scripted.folder + "/model.pt");

  std::string lines;
  for (const auto& token : vocabulary) lines += token + "\n";
  testing::write_bytes(scripted.folder + "/vocab.txt", lines);
  const nlohmann::json description = {{"layers", layers_claimed}, {"heads", 2},
                                      {"max_positions", 32},      {"vocabulary", "vocab.txt"},
                                      {"leading", {"<cls>"}},     {"trailing", {"<eos>"}},
                                      {"pad", "<pad>"},           {"hidden", 4},
                                      {"rare_letters_to_x", true}};
  testing::write_bytes(scripted.folder + "/bertology.json", description.dump(2));
  return scripted;
}

TEST(TorchScript, FolderIsDetectedAndDescribedByItsJson) {
  ScratchFolder scratch;
  const auto scripted = write_scripted_model(scratch);
  auto model = load_model({scripted.folder, std::nullopt, {}, 1});
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.architecture, Architecture::torchscript);
  EXPECT_EQ(info.layers, 2);
  EXPECT_EQ(info.heads, 2);
  EXPECT_EQ(info.hidden, 4);
  EXPECT_EQ(info.max_positions, 32);
  EXPECT_EQ(info.leading_special_tokens, 1);
  EXPECT_EQ(info.trailing_special_tokens, 1);
  EXPECT_EQ(info.weights_sha256.size(), 64u);
  // <cls>=0 M=8 K=7 U→X=10 <eos>=2
  EXPECT_EQ(model->tokenizer().encode("MKU"), (std::vector<std::int64_t>{0, 8, 7, 10, 2}));
  EXPECT_EQ(model->tokenizer().pad_id(), 1);
}

TEST(TorchScript, PaddedBatchHandsOutTheModulesMapsLayerByLayer) {
  ScratchFolder scratch;
  const auto scripted = write_scripted_model(scratch);
  auto model = load_model({scripted.folder, std::nullopt, {}, 1});
  const std::vector<std::vector<std::int64_t>> rows{model->tokenizer().encode("MKTACDE"),
                                                    model->tokenizer().encode("AK")};
  const std::int64_t tokens = std::int64_t(rows[0].size());
  TokenBatch batch{2, tokens, rows[0], {tokens, std::int64_t(rows[1].size())}};
  batch.ids.insert(batch.ids.end(), rows[1].begin(), rows[1].end());
  batch.ids.resize(std::size_t(2 * tokens), model->tokenizer().pad_id());

  // The module's maps of one unpadded row, recomputed here.
  const auto expected = [&](const std::vector<std::int64_t>& row, int layer, int head) {
    const auto x = torch::embedding(scripted.embedding, torch::tensor(row));
    const auto scores = torch::matmul(x, x.t());
    if (layer == 0) return torch::softmax(head == 0 ? scores : 0.5 * scores, -1);
    return head == 0 ? torch::softmax(-scores, -1) : torch::full_like(scores, 1.0 / double(row.size()));
  };
  std::vector<int> seen;
  model->forward(batch, [&](int layer, const AttentionMaps& maps) {
    seen.push_back(layer);
    ASSERT_EQ(maps.batch, 2);
    ASSERT_EQ(maps.heads, 2);
    ASSERT_EQ(maps.tokens, tokens);
    for (std::int64_t b = 0; b < 2; ++b) {
      const auto& row = rows[std::size_t(b)];
      const auto length = std::int64_t(row.size());
      for (int head = 0; head < 2; ++head) {
        const auto reference = expected(row, layer, head);
        for (std::int64_t i = 0; i < length; ++i) {
          for (std::int64_t j = 0; j < tokens; ++j) {
            const float value = maps.data[((b * 2 + head) * tokens + i) * tokens + j];
            if (j >= length) {
              EXPECT_EQ(value, 0.0f);
            } else {
              EXPECT_NEAR(value, reference[i][j].item<float>(), 1e-6);
            }
          }
        }
      }
    }
  });
  EXPECT_EQ(seen, (std::vector<int>{0, 1}));
}

TEST(TorchScript, ContractBreachesAreNamed) {
  ScratchFolder scratch;
  const auto scripted = write_scripted_model(scratch, 3);
  auto model = load_model({scripted.folder, std::nullopt, {}, 1});
  const auto ids = model->tokenizer().encode("MK");
  expect_error_mentioning(
      [&] {
        model->forward({1, 4, ids, {4}}, [](int, const AttentionMaps&) {});
      },
      {"model.pt", "2 attention tensors", "3 layers"});

  auto description = nlohmann::json::parse(testing::read_bytes(scripted.folder + "/bertology.json"));
  description.erase("heads");
  testing::write_bytes(scripted.folder + "/bertology.json", description.dump());
  expect_error_mentioning([&] { load_model({scripted.folder, std::nullopt, {}, 1}); }, {"bertology.json", "heads"});

  testing::write_bytes(scripted.folder + "/model.pt", "not a module");
  description["heads"] = 2;
  testing::write_bytes(scripted.folder + "/bertology.json", description.dump());
  expect_error_mentioning([&] { load_model({scripted.folder, std::nullopt, {}, 1}); }, {"model.pt", "TorchScript"});
}

}  // namespace
}  // namespace bertology::model

// Config, weights and vocabulary must agree, the layout is detected by the documented rule,
// and --arch overrides it.
#include <nlohmann/json.hpp>

#include "bertology/model/model.h"
#include "model_test_support.h"

namespace bertology::model {
namespace {

using testing::copy_golden;
using testing::expect_error_mentioning;
using testing::read_bytes;
using testing::ScratchFolder;
using testing::write_bytes;

void edit_config(const std::string& folder, const std::function<void(nlohmann::json&)>& edit) {
  auto config = nlohmann::json::parse(read_bytes(folder + "/config.json"));
  edit(config);
  write_bytes(folder + "/config.json", config.dump(2));
}

std::unique_ptr<Model> load(const std::string& folder, std::optional<Architecture> architecture = std::nullopt) {
  return load_model({folder, architecture, {}, 1});
}

TEST(Checkpoint, VocabularyLongerThanTheConfigSays) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  write_bytes(folder + "/vocab.txt", read_bytes(folder + "/vocab.txt") + "J\n");
  expect_error_mentioning([&] { load(folder); }, {"vocab.txt", "31 tokens", "vocab_size 30"});
}

TEST(Checkpoint, VocabularySizeDisagreesWithTheWordEmbeddings) {
  ScratchFolder scratch;
  const auto folder = copy_golden("tape_bert", scratch);
  write_bytes(folder + "/vocab.txt", read_bytes(folder + "/vocab.txt") + "J\n");
  edit_config(folder, [](nlohmann::json& config) { config["vocab_size"] = 31; });
  expect_error_mentioning([&] { load(folder); },
                          {"model.safetensors", "bert.embeddings.word_embeddings.weight", "[30, 48]", "[31, 48]"});
}

TEST(Checkpoint, ConfigWithMoreLayersThanTheWeights) {
  ScratchFolder scratch;
  const auto folder = copy_golden("tape_bert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["num_hidden_layers"] = 3; });
  expect_error_mentioning([&] { load(folder); }, {"model.safetensors", "missing tensor 'bert.encoder.layer.2."});
}

TEST(Checkpoint, ConfigWithFewerLayersThanTheWeights) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["num_hidden_layers"] = 2; });
  expect_error_mentioning([&] { load(folder); }, {"model.safetensors", "unexpected tensor 'bert.encoder.layer.2."});
}

TEST(Checkpoint, HeadsMustDivideTheHiddenSize) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["num_attention_heads"] = 5; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "not divisible"});
}

TEST(Checkpoint, BadConfigValues) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["hidden_act"] = "swish"; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "swish"});
  edit_config(folder, [](nlohmann::json& config) {
    config["hidden_act"] = "gelu";
    config.erase("hidden_size");
  });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "hidden_size"});
  write_bytes(folder + "/config.json", "{\"hidden_size\": 64,");
  expect_error_mentioning([&] { load(folder); }, {"config.json", "not valid JSON"});
}

TEST(Checkpoint, MissingFilesAreNamed) {
  ScratchFolder scratch;
  expect_error_mentioning([&] { load(scratch.path("absent")); }, {"absent", "not found"});
  const auto folder = copy_golden("prot_bert", scratch);
  std::filesystem::remove(folder + "/vocab.txt");
  expect_error_mentioning([&] { load(folder); }, {"vocab.txt", "missing"});
  std::filesystem::remove(folder + "/config.json");
  expect_error_mentioning([&] { load(folder); }, {"config.json"});
}

TEST(Checkpoint, PytorchBinGetsAConversionHint) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  std::filesystem::rename(folder + "/model.safetensors", folder + "/pytorch_model.bin");
  expect_error_mentioning([&] { load(folder); }, {"model.safetensors", "pytorch_model.bin", "save_file"});
}

TEST(Checkpoint, TapeFolderWithoutVocabularyUsesTapesBuiltInOne) {
  ScratchFolder scratch;
  const auto folder = copy_golden("tape_bert", scratch);
  std::filesystem::remove(folder + "/vocab.txt");
  const auto model = load(folder);
  EXPECT_EQ(model->info().architecture, Architecture::tape_bert);  // detected from the mlm.* tensors
  const auto reference = load(testing::golden_folder("tape_bert"));
  EXPECT_EQ(model->tokenizer().encode("ACDXUZOB"), reference->tokenizer().encode("ACDXUZOB"));
}

TEST(Checkpoint, OldHuggingFaceConfigIsDetectedFromArchitecturesOrHead) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config.erase("model_type"); });
  EXPECT_EQ(load(folder)->info().architecture, Architecture::prot_bert);  // "architectures": BertForMaskedLM
  edit_config(folder, [](nlohmann::json& config) { config.erase("architectures"); });
  EXPECT_EQ(load(folder)->info().architecture, Architecture::prot_bert);  // cls.* tensors, [CLS]
}

TEST(Checkpoint, UnsupportedModelTypeIsRefused) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["model_type"] = "albert"; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "albert"});
}

TEST(Checkpoint, ArchOptionOverridesDetection) {
  ScratchFolder scratch;
  const auto folder = copy_golden("tape_bert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["model_type"] = "bert"; });
  // Detected as the HF layout, TAPE's mlm.* head is foreign to it; --arch tape_bert fixes that.
  expect_error_mentioning([&] { load(folder); }, {"model.safetensors", "mlm."});
  EXPECT_EQ(load(folder, Architecture::tape_bert)->info().architecture, Architecture::tape_bert);
}

TEST(Checkpoint, WrongArchOptionIsAnError) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  expect_error_mentioning([&] { load(folder, Architecture::tape_bert); }, {"model.safetensors", "cls.predictions"});
}

TEST(Checkpoint, ArchitectureNames) {
  for (auto architecture : {Architecture::tape_bert, Architecture::prot_bert}) {
    EXPECT_EQ(parse_architecture(architecture_name(architecture)), architecture);
  }
  expect_error_mentioning([] { parse_architecture("esm3"); }, {"esm3", "tape_bert"});
  EXPECT_EQ(choose_device(0).kind, choose_device(3).kind);
  expect_error_mentioning([] { choose_device(-1); }, {"negative"});
  EXPECT_EQ(Device{}.str(), "cpu");
  EXPECT_EQ((Device{DeviceKind::cuda, 2}).str(), "cuda:2");
}

}  // namespace
}  // namespace bertology::model

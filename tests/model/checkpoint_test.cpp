// Config, weights and vocabulary must agree, the layout is detected by the documented rule,
// and --arch overrides it.
#include <nlohmann/json.hpp>

#include "bertology/model/model.h"
#include "model_test_support.h"
#include "safetensors.h"

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
  std::filesystem::remove(folder + "/model.safetensors");
  expect_error_mentioning([&] { load(folder); }, {"model.safetensors"});
  std::filesystem::remove(folder + "/config.json");
  expect_error_mentioning([&] { load(folder); }, {"config.json"});
}

// Runs from token ids (bertology attention --input-ids) need no tokenizer file.
TEST(Checkpoint, FolderWithoutVocabularyLoadsAndItsTokenizerNamesTheFile) {
  for (const char* architecture : {"prot_bert", "esm2"}) {
    ScratchFolder scratch;
    const auto folder = copy_golden(architecture, scratch);
    std::filesystem::remove(folder + "/vocab.txt");
    const auto model = load(folder);
    EXPECT_EQ(architecture_name(model->info().architecture), architecture);
    expect_error_mentioning([&] { model->tokenizer().encode("MKT"); }, {folder + "/vocab.txt", "missing"});
    bool ran = false;
    model->forward({1, 4, {2, 5, 6, 3}, {4}}, [&](int, const AttentionMaps&) { ran = true; });
    EXPECT_TRUE(ran);
  }
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
  edit_config(folder, [](nlohmann::json& config) { config["model_type"] = "gpt2"; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "gpt2", "--arch"});
}

TEST(Checkpoint, ModelTypeChoosesTheLayout) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_bert", scratch);
  // A BERT folder that claims to be ALBERT is read as ALBERT, and its config lacks ALBERT's fields.
  edit_config(folder, [](nlohmann::json& config) { config["model_type"] = "albert"; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "embedding_size"});
  for (const char* architecture : {"prot_albert", "prot_xlnet", "esm2"}) {
    EXPECT_EQ(architecture_name(load(testing::golden_folder(architecture))->info().architecture), architecture);
  }
}

TEST(Checkpoint, HuggingFaceClassNamesChooseTheLayoutWithoutModelType) {
  for (const char* architecture : {"prot_albert", "prot_xlnet", "esm2"}) {
    ScratchFolder scratch;
    const auto folder = copy_golden(architecture, scratch);
    edit_config(folder, [](nlohmann::json& config) { config.erase("model_type"); });
    EXPECT_EQ(architecture_name(load(folder)->info().architecture), architecture);  // AlbertForMaskedLM, …
  }
}

TEST(Checkpoint, AlbertSharedLayersAreCheckedAgainstTheGroups) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_albert", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["num_hidden_groups"] = 2; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "num_hidden_groups"});  // 3 layers, 2 groups
  edit_config(folder, [](nlohmann::json& config) {
    config["num_hidden_groups"] = 1;
    config["embedding_size"] = 32;
  });
  expect_error_mentioning([&] { load(folder); },
                          {"model.safetensors", "albert.embeddings.word_embeddings.weight", "[34, 16]", "[34, 32]"});
  edit_config(folder, [](nlohmann::json& config) {
    config["embedding_size"] = 16;
    config["num_hidden_layers"] = 12;  // one shared layer: any depth fits the same weights
  });
  EXPECT_EQ(load(folder)->info().layers, 12);
}

TEST(Checkpoint, XLNetConfigsTheReferenceDidNotRunAreRefused) {
  ScratchFolder scratch;
  const auto folder = copy_golden("prot_xlnet", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["attn_type"] = "uni"; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "attn_type", "uni"});
  edit_config(folder, [](nlohmann::json& config) {
    config["attn_type"] = "bi";
    config["ff_activation"] = "relu";
  });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "relu"});
  edit_config(folder, [](nlohmann::json& config) {
    config["ff_activation"] = "gelu";
    config["d_head"] = 16;
  });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "d_head 16"});
}

TEST(Checkpoint, OnlyTheEsm2LayoutIsAccepted) {
  ScratchFolder scratch;
  const auto folder = copy_golden("esm2", scratch);
  edit_config(folder, [](nlohmann::json& config) { config["position_embedding_type"] = "absolute"; });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "rotary"});
  edit_config(folder, [](nlohmann::json& config) {
    config["position_embedding_type"] = "rotary";
    config["emb_layer_norm_before"] = true;
  });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "emb_layer_norm_before"});
  edit_config(folder, [](nlohmann::json& config) {
    config["emb_layer_norm_before"] = false;
    config.erase("mask_token_id");
  });
  expect_error_mentioning([&] { load(folder); }, {"config.json", "mask_token_id"});
}

// The frequencies come from the checkpoint: a file without them is refused, not patched.
TEST(Checkpoint, Esm2WithoutRotaryFrequenciesIsRefused) {
  ScratchFolder scratch;
  const auto folder = copy_golden("esm2", scratch);
  SafetensorsReader golden(folder + "/model.safetensors");
  std::vector<std::vector<float>> values;
  std::vector<TensorToWrite> kept;
  for (const auto& [name, entry] : golden.tensors()) {
    if (name == "esm.encoder.layer.1.attention.self.rotary_embeddings.inv_freq") continue;
    values.push_back(golden.read_float32(name));
    kept.push_back({name, entry.shape, nullptr});
  }
  for (std::size_t i = 0; i < kept.size(); ++i) kept[i].data = values[i].data();
  write_safetensors(folder + "/model.safetensors", kept, {});
  expect_error_mentioning(
      [&] { load(folder); },
      {"model.safetensors", "missing tensor 'esm.encoder.layer.1.attention.self.rotary_embeddings.inv_freq'"});
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

TEST(Checkpoint, ArchitectureAndPrecisionNames) {
  const std::vector<std::string> names{"tape_bert", "prot_bert", "prot_albert", "prot_xlnet", "esm2", "torchscript"};
  for (const auto& name : names) EXPECT_EQ(architecture_name(parse_architecture(name)), name);
  expect_error_mentioning([] { parse_architecture("esm3"); }, {"esm3", "tape_bert", "prot_xlnet", "esm2"});
  for (const char* name : {"float32", "bfloat16", "float16"}) EXPECT_EQ(precision_name(parse_precision(name)), name);
  expect_error_mentioning([] { parse_precision("fp8"); }, {"fp8", "bfloat16"});
  EXPECT_EQ(choose_device(0).kind, choose_device(3).kind);
  expect_error_mentioning([] { choose_device(-1); }, {"negative"});
  EXPECT_EQ(Device{}.str(), "cpu");
  EXPECT_EQ((Device{DeviceKind::cuda, 2}).str(), "cuda:2");
}

}  // namespace
}  // namespace bertology::model

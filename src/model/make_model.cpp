#include "bertology/model/make_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "bertology/error.h"
#include "checkpoint.h"
#include "safetensors.h"
#include "tokenizer.h"

namespace bertology::model {
namespace {

// Standard normal numbers from a generator whose output the C++ standard fixes (mt19937_64),
// through Box-Muller written here, because std::normal_distribution differs between libraries:
// the same seed must give the same weights everywhere.
class SeededNormal {
 public:
  explicit SeededNormal(std::uint64_t seed) : engine_(seed) {}
  float operator()() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    constexpr double two_pi = 6.283185307179586476925;
    const double u1 = (double(engine_() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]: log stays finite
    const double u2 = double(engine_() >> 11) * 0x1.0p-53;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = float(radius * std::sin(two_pi * u2));
    has_spare_ = true;
    return float(radius * std::cos(two_pi * u2));
  }

 private:
  std::mt19937_64 engine_;
  float spare_ = 0;
  bool has_spare_ = false;
};

// A float rounded to the nearest float16 value (ties to even), for values in float16's normal
// range: the public ESM-2 checkpoints hold their rotary frequencies rounded so.
float round_through_float16(float value) {
  int exponent = 0;
  const double mantissa =
      std::frexp(double(value), &exponent);  // value = mantissa · 2^exponent, |mantissa| in [0.5, 1)
  return float(std::ldexp(std::nearbyint(std::ldexp(mantissa, 11)), exponent - 11));
}

// ESM-2's inv_freq: 1 / 10000^(2k / head_size), k = 0 … head_size/2 - 1, through float16.
void rotary_frequencies(std::vector<float>& values, std::int64_t head_size) {
  for (std::size_t k = 0; k < values.size(); ++k) {
    values[k] = round_through_float16(float(1.0 / std::pow(10000.0, double(2 * k) / double(head_size))));
  }
}

// The goldens' scheme (weights 0.4·N, LayerNorm weights 1 + 0.1·N, biases 0.1·N) makes attention
// peaked like a trained model's at their sizes (hidden 48-64, 2-3 layers), but not at 12 layers
// of hidden 768: logits grow like σ²·fan_in (std ~120 there: argmax attention that flips with
// float rounding) and branches that outweigh the residual wash token identity out, leaving the
// deep layers' attention flat. So matrices are scaled by their fan-in:
//  - query, key (and XLNet's position projection r): σ = 0.4·sqrt(64/fan_in), the goldens' 0.4
//    at fan-in 64 (logit std ~10);
//  - value and the last matrix of each residual branch: σ = 0.5/sqrt(fan_in);
//  - other matrices: σ = 1/sqrt(fan_in); embeddings (followed by a LayerNorm): σ = 0.4.
// Measured at 12×12, hidden 768, 302 tokens: about one entry above 0.3 per attention row in
// every layer.
void draw(const ParameterSpec& spec, std::vector<float>& values, SeededNormal& normal) {
  float offset = 0.0f;
  float scale = 0.0f;
  const double fan_in = double(spec.fan_in);
  switch (spec.role) {
    case ParameterRole::rotary_frequencies:
      rotary_frequencies(values, 2 * spec.shape.at(0));
      return;
    case ParameterRole::layer_norm_scale:
      offset = 1.0f;
      scale = 0.1f;
      break;
    case ParameterRole::bias:
      scale = 0.1f;
      break;
    case ParameterRole::embedding:
      scale = 0.4f;
      break;
    case ParameterRole::query_key:
      scale = float(0.4 * std::sqrt(64.0 / fan_in));
      break;
    case ParameterRole::branch_output:
      scale = float(0.5 / std::sqrt(fan_in));
      break;
    case ParameterRole::projection:
      scale = float(1.0 / std::sqrt(fan_in));
      break;
  }
  for (auto& v : values) v = offset + scale * normal();
}

// config.json as the public checkpoints write it (Rostlab/prot_*, facebook/esm2_*, TAPE).
nlohmann::json config_json(const MakeModelOptions& options, const ModelConfig& config) {
  nlohmann::json json;
  switch (options.architecture) {
    case Architecture::tape_bert:  // TAPE ProteinBertConfig: no model_type
    case Architecture::prot_bert:  // Rostlab/prot_bert, HuggingFace BertConfig
      json = {{"hidden_act", "gelu"},
              {"hidden_size", config.hidden},
              {"initializer_range", 0.02},
              {"intermediate_size", config.intermediate},
              {"layer_norm_eps", config.layer_norm_eps},
              {"max_position_embeddings", config.max_positions},
              {"num_attention_heads", config.heads},
              {"num_hidden_layers", config.layers},
              {"type_vocab_size", config.type_vocab_size},
              {"vocab_size", config.vocab_size},
              {"output_attentions", false},
              {"output_hidden_states", false},
              {"torchscript", false},
              {"finetuning_task", nullptr},
              {"num_labels", 2}};
      if (options.architecture == Architecture::tape_bert) {
        json["attention_probs_dropout_prob"] = 0.1;
        json["hidden_dropout_prob"] = 0.1;
      } else {
        json["architectures"] = {"BertForMaskedLM"};
        json["model_type"] = "bert";
        json["attention_probs_dropout_prob"] = 0.0;
        json["hidden_dropout_prob"] = 0.0;
        json["is_decoder"] = false;
        json["output_past"] = true;
        json["pruned_heads"] = nlohmann::json::object();
        json["use_bfloat16"] = false;
      }
      break;
    case Architecture::prot_albert:  // Rostlab/prot_albert, HuggingFace AlbertConfig
      json = {{"architectures", {"AlbertForMaskedLM"}},
              {"model_type", "albert"},
              {"attention_probs_dropout_prob", 0.0},
              {"bos_token_id", 2},
              {"eos_token_id", 3},
              {"classifier_dropout_prob", 0.1},
              {"embedding_size", config.embedding_size},
              {"hidden_act", "gelu"},
              {"hidden_dropout_prob", 0.0},
              {"hidden_size", config.hidden},
              {"initializer_range", 0.02},
              {"inner_group_num", config.inner_group_num},
              {"intermediate_size", config.intermediate},
              {"layer_norm_eps", config.layer_norm_eps},
              {"max_position_embeddings", config.max_positions},
              {"num_attention_heads", config.heads},
              {"num_hidden_groups", config.hidden_groups},
              {"num_hidden_layers", config.layers},
              {"pad_token_id", 0},
              {"type_vocab_size", config.type_vocab_size},
              {"vocab_size", config.vocab_size}};
      break;
    case Architecture::prot_xlnet:  // Rostlab/prot_xlnet, HuggingFace XLNetConfig
      json = {{"architectures", {"XLNetLMHeadModel"}},
              {"model_type", "xlnet"},
              {"attn_type", "bi"},
              {"bi_data", false},
              {"bos_token_id", 1},
              {"eos_token_id", 2},
              {"pad_token_id", 5},
              {"clamp_len", -1},
              {"d_head", config.head_size()},
              {"d_inner", config.intermediate},
              {"d_model", config.hidden},
              {"dropout", 0.0},
              {"ff_activation", "gelu"},
              {"initializer_range", 0.02},
              {"layer_norm_eps", config.layer_norm_eps},
              {"mem_len", nullptr},
              {"reuse_len", nullptr},
              {"n_head", config.heads},
              {"n_layer", config.layers},
              {"same_length", false},
              {"untie_r", true},
              {"vocab_size", config.vocab_size}};
      break;
    case Architecture::esm2:  // facebook/esm2_*, HuggingFace EsmConfig
      json = {{"architectures", {"EsmForMaskedLM"}},
              {"model_type", "esm"},
              {"attention_probs_dropout_prob", 0.0},
              {"emb_layer_norm_before", false},
              {"hidden_act", "gelu"},
              {"hidden_dropout_prob", 0.0},
              {"hidden_size", config.hidden},
              {"initializer_range", 0.02},
              {"intermediate_size", config.intermediate},
              {"layer_norm_eps", config.layer_norm_eps},
              {"mask_token_id", config.mask_token_id},
              {"max_position_embeddings", config.max_positions},
              {"num_attention_heads", config.heads},
              {"num_hidden_layers", config.layers},
              {"pad_token_id", 1},
              {"position_embedding_type", "rotary"},
              {"token_dropout", config.token_dropout},
              {"torch_dtype", "float32"},
              {"vocab_size", config.vocab_size}};
      break;
    case Architecture::torchscript:
      throw std::logic_error("no TorchScript layout");
  }
  json["bertology_seed"] = options.seed;  // marks the weights as random
  return json;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  require(bool(out), "cannot write the file", {path});
}

// The Hugging Face hub's shard names: model-00001-of-00003.safetensors.
std::string shard_name(int shard, int shards) {
  char name[64];
  std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", shard + 1, shards);
  return name;
}

// The shard of each tensor: runs of consecutive tensors of about equal bytes, none empty.
std::vector<int> assign_shards(const std::vector<ParameterSpec>& specs, int shards) {
  std::vector<std::uint64_t> bytes;
  std::uint64_t total = 0;
  for (const auto& spec : specs) {
    std::uint64_t elements = 1;
    for (auto extent : spec.shape) elements *= std::uint64_t(extent);
    bytes.push_back(elements * sizeof(float));
    total += bytes.back();
  }
  std::vector<int> shard_of(specs.size());
  std::uint64_t done = 0;
  int shard = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const bool has_its_share = done * std::uint64_t(shards) >= total * std::uint64_t(shard + 1);
    const bool one_per_shard_left = specs.size() - i == std::size_t(shards - 1 - shard);
    if (i > 0 && shard + 1 < shards && (has_its_share || one_per_shard_left)) ++shard;
    shard_of[i] = shard;
    done += bytes[i];
  }
  return shard_of;
}

}  // namespace

void make_model(const MakeModelOptions& options) {
  namespace fs = std::filesystem;
  require(!options.output.empty(), "make_model needs an output folder");
  const Architecture architecture = options.architecture;
  require(architecture != Architecture::torchscript,
          "make_model writes the public checkpoint layouts; a TorchScript model is exported from its own Python code");
  const bool sentencepiece = architecture == Architecture::prot_albert || architecture == Architecture::prot_xlnet;

  // The tokenizer file: ProtAlbert and ProtXLNet ship sentencepiece models, the others words.
  std::string tokenizer_text;
  int vocab_size = 0;
  std::int64_t mask_token = -1;
  if (sentencepiece) {
    const TrainedSentencePiece trained = train_residue_sentencepiece(architecture);
    tokenizer_text = trained.serialized;
    vocab_size = trained.pieces;
  } else {
    const auto vocabulary = public_vocabulary(architecture);
    for (const auto& token : vocabulary) tokenizer_text += token + "\n";
    vocab_size = int(vocabulary.size());
    mask_token = Vocabulary{"", vocabulary}.find("<mask>").value_or(-1);
  }

  ModelConfig config;
  config.layers = options.layers;
  config.heads = options.heads;
  config.hidden = options.hidden;
  config.intermediate = options.intermediate > 0 ? options.intermediate : 4 * options.hidden;
  config.max_positions = architecture == Architecture::prot_xlnet ? 512 : options.max_positions;
  config.vocab_size = vocab_size;
  config.type_vocab_size = architecture == Architecture::tape_bert ? 1 : 2;
  config.layer_norm_eps = architecture == Architecture::esm2 ? 1e-5 : 1e-12;
  config.embedding_size = architecture != Architecture::prot_albert ? options.hidden
                          : options.embedding > 0                   ? options.embedding
                                                                    : std::min(128, options.hidden);
  config.token_dropout = architecture == Architecture::esm2;
  config.mask_token_id = architecture == Architecture::esm2 ? mask_token : -1;
  require(config.layers > 0 && config.heads > 0 && config.hidden > 0 && config.intermediate > 0 &&
              config.embedding_size > 0 && config.max_positions > 2,
          "model sizes must be positive (and max positions above 2)");
  require(config.hidden % config.heads == 0, "hidden size " + std::to_string(config.hidden) +
                                                 " is not divisible by the number of heads " +
                                                 std::to_string(config.heads));
  require(
      architecture != Architecture::esm2 || config.head_size() % 2 == 0,
      "ESM-2's rotary embeddings need an even head size (hidden / heads), not " + std::to_string(config.head_size()));

  require(options.shards >= 1, "the number of shards must be at least 1, not " + std::to_string(options.shards));

  const fs::path folder(options.output);
  const fs::path config_path = folder / "config.json";
  const fs::path single_path = folder / "model.safetensors";
  const fs::path index_path = folder / "model.safetensors.index.json";
  const fs::path tokenizer_path = folder / (sentencepiece ? "spiece.model" : "vocab.txt");
  for (const auto& file : {config_path, single_path, index_path, tokenizer_path}) {
    require(options.force || !fs::exists(file), "already exists; refusing to overwrite a model without --force",
            {file.string()});
  }
  const auto specs = checkpoint_parameters(architecture, config);
  require(std::size_t(options.shards) <= specs.size(), "cannot split the " + std::to_string(specs.size()) +
                                                           " tensors of this model into " +
                                                           std::to_string(options.shards) + " shards");
  std::error_code error;
  fs::create_directories(folder, error);
  require(!error, "cannot create the model folder: " + error.message(), {options.output});
  fs::remove(options.shards > 1 ? single_path : index_path, error);  // the other form, under --force

  const std::vector<int> shard_of = assign_shards(specs, options.shards);
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"}, {"arch", architecture_name(architecture)}, {"bertology_seed", std::to_string(options.seed)}};
  // Each tensor is drawn and written in turn; only those a later one is tied to stay in memory
  // (a 3B model's 12 GB held whole would double the memory that writing it takes).
  std::set<std::string> tied_targets;
  for (const auto& spec : specs) {
    if (!spec.tied_to.empty()) tied_targets.insert(spec.tied_to);
  }
  std::map<std::string, std::vector<float>> kept;
  std::vector<float> drawn;
  SeededNormal normal(options.seed);
  nlohmann::json weight_map = nlohmann::json::object();
  std::uint64_t total_size = 0;
  for (int shard = 0; shard < options.shards; ++shard) {
    const fs::path path = options.shards == 1 ? single_path : folder / shard_name(shard, options.shards);
    std::vector<TensorToWrite> tensors;
    std::vector<const ParameterSpec*> shard_specs;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (shard_of[i] != shard) continue;
      tensors.push_back({specs[i].name, specs[i].shape, nullptr});
      shard_specs.push_back(&specs[i]);
      weight_map[specs[i].name] = path.filename().string();
    }
    SafetensorsWriter writer(path.string(), tensors, metadata);
    for (const ParameterSpec* spec : shard_specs) {
      std::int64_t elements = 1;
      for (auto extent : spec->shape) elements *= extent;
      total_size += std::uint64_t(elements) * sizeof(float);
      if (!spec->tied_to.empty()) {
        writer.write(kept.at(spec->tied_to).data());
        continue;
      }
      std::vector<float>& values = tied_targets.count(spec->name) ? kept[spec->name] : drawn;
      values.resize(std::size_t(elements));
      draw(*spec, values, normal);
      writer.write(values.data());
    }
    writer.close();
  }
  if (options.shards > 1) {
    const nlohmann::json index = {{"metadata", {{"total_size", total_size}}}, {"weight_map", weight_map}};
    write_text(index_path.string(), index.dump(2) + "\n");
  }
  write_text(config_path.string(), config_json(options, config).dump(2) + "\n");
  write_text(tokenizer_path.string(), tokenizer_text);
}

}  // namespace bertology::model

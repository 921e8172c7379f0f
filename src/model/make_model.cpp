#include "bertology/model/make_model.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "bertology/error.h"
#include "checkpoint.h"
#include "safetensors.h"

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

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// The goldens' scheme (weights 0.4·N, LayerNorm weights 1 + 0.1·N, biases 0.1·N) makes attention
// peaked like a trained model's at their sizes (hidden 48-64, 2-3 layers), but not at 12 layers
// of hidden 768: logits grow like σ²·fan_in (std ~120 there: argmax attention that flips with
// float rounding) and branches that outweigh the residual wash token identity out, leaving the
// deep layers' attention flat. So Linear weights are scaled by their fan-in:
//  - query, key: σ = 0.4·sqrt(64/fan_in), the goldens' 0.4 at fan-in 64 (logit std ~10);
//  - value, attention output, FFN output (ends of residual branches): σ = 0.5/sqrt(fan_in);
//  - other Linear weights: σ = 1/sqrt(fan_in); embeddings (followed by a LayerNorm): σ = 0.4.
// Measured at 12×12, hidden 768, 302 tokens: about one entry above 0.3 per attention row in
// every layer.
void draw(const ParameterSpec& spec, std::vector<float>& values, SeededNormal& normal) {
  const std::string& name = spec.name;
  float offset = 0.0f;
  float scale;
  if (ends_with(name, "LayerNorm.weight")) {
    offset = 1.0f;
    scale = 0.1f;
  } else if (ends_with(name, ".bias")) {
    scale = 0.1f;
  } else if (contains(name, "embeddings")) {
    scale = 0.4f;
  } else {
    const double fan_in = double(spec.shape.at(1));
    if (contains(name, "attention.self.query") || contains(name, "attention.self.key")) {
      scale = float(0.4 * std::sqrt(64.0 / fan_in));
    } else if (contains(name, "attention.self.value") || ends_with(name, "output.dense.weight")) {
      scale = float(0.5 / std::sqrt(fan_in));
    } else {
      scale = float(1.0 / std::sqrt(fan_in));
    }
  }
  for (auto& v : values) v = offset + scale * normal();
}

nlohmann::json config_json(const MakeModelOptions& options, const BertConfig& config) {
  nlohmann::json json = {
      {"hidden_act", "gelu"},
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
      {"num_labels", 2},
      {"bertology_seed", options.seed},  // marks the weights as random
  };
  if (options.architecture == Architecture::tape_bert) {  // TAPE ProteinBertConfig: no model_type
    json["attention_probs_dropout_prob"] = 0.1;
    json["hidden_dropout_prob"] = 0.1;
  } else {  // Rostlab/prot_bert, HuggingFace BertConfig
    json["architectures"] = {"BertForMaskedLM"};
    json["model_type"] = "bert";
    json["attention_probs_dropout_prob"] = 0.0;
    json["hidden_dropout_prob"] = 0.0;
    json["is_decoder"] = false;
    json["output_past"] = true;
    json["pruned_heads"] = nlohmann::json::object();
    json["use_bfloat16"] = false;
  }
  return json;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  require(bool(out), "cannot write the file", {path});
}

}  // namespace

void make_model(const MakeModelOptions& options) {
  namespace fs = std::filesystem;
  require(!options.output.empty(), "make_model needs an output folder");
  const std::string architecture = architecture_name(options.architecture);
  const auto vocabulary = public_vocabulary(options.architecture);

  BertConfig config;
  config.layers = options.layers;
  config.heads = options.heads;
  config.hidden = options.hidden;
  config.intermediate = options.intermediate > 0 ? options.intermediate : 4 * options.hidden;
  config.max_positions = options.max_positions;
  config.vocab_size = int(vocabulary.size());
  config.type_vocab_size = options.architecture == Architecture::tape_bert ? 1 : 2;
  require(config.layers > 0 && config.heads > 0 && config.hidden > 0 && config.intermediate > 0 && config.max_positions > 2,
          "model sizes must be positive (and max positions above 2)");
  require(config.hidden % config.heads == 0, "hidden size " + std::to_string(config.hidden) +
                                                 " is not divisible by the number of heads " + std::to_string(config.heads));

  const fs::path folder(options.output);
  const fs::path config_path = folder / "config.json";
  const fs::path weights_path = folder / "model.safetensors";
  const fs::path vocabulary_path = folder / "vocab.txt";
  for (const auto& file : {config_path, weights_path, vocabulary_path}) {
    require(options.force || !fs::exists(file), "already exists; refusing to overwrite a model without --force",
            {file.string()});
  }
  std::error_code error;
  fs::create_directories(folder, error);
  require(!error, "cannot create the model folder: " + error.message(), {options.output});

  const auto specs = bert_parameters(options.architecture, config);
  SeededNormal normal(options.seed);
  std::map<std::string, std::vector<float>> values;
  std::vector<TensorToWrite> tensors;
  for (const auto& spec : specs) {
    if (spec.tied_to.empty()) {
      std::int64_t elements = 1;
      for (auto extent : spec.shape) elements *= extent;
      auto& drawn = values[spec.name];
      drawn.resize(std::size_t(elements));
      draw(spec, drawn, normal);
    }
    tensors.push_back({spec.name, spec.shape, values.at(spec.tied_to.empty() ? spec.name : spec.tied_to).data()});
  }

  write_safetensors(weights_path.string(), tensors,
                    {{"format", "pt"}, {"arch", architecture}, {"bertology_seed", std::to_string(options.seed)}});
  write_text(config_path.string(), config_json(options, config).dump(2) + "\n");
  std::string vocabulary_text;
  for (const auto& token : vocabulary) vocabulary_text += token + "\n";
  write_text(vocabulary_path.string(), vocabulary_text);
}

}  // namespace bertology::model

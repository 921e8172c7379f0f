#include "checkpoint.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bertology/error.h"
#include "safetensors.h"

namespace bertology::model {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

int positive_int(const nlohmann::json& config, const char* key, const std::string& path, std::optional<int> fallback = {}) {
  const auto found = config.find(key);
  if (found == config.end()) {
    require(fallback.has_value(), std::string("missing field '") + key + "'", {path});
    return *fallback;
  }
  require(found->is_number_integer() && found->get<long long>() > 0 && found->get<long long>() <= 1LL << 30,
          std::string("field '") + key + "' must be a positive integer", {path});
  return found->get<int>();
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

std::string head_prefix(Architecture architecture) {
  return architecture == Architecture::tape_bert ? "mlm." : "cls.predictions.";
}

}  // namespace

std::string architecture_name(Architecture architecture) {
  switch (architecture) {
    case Architecture::tape_bert: return "tape_bert";
    case Architecture::prot_bert: return "prot_bert";
  }
  throw std::logic_error("unnamed architecture");
}

Architecture parse_architecture(const std::string& name) {
  for (auto architecture : {Architecture::tape_bert, Architecture::prot_bert}) {
    if (name == architecture_name(architecture)) return architecture;
  }
  throw Error("unknown architecture '" + name + "' (known: tape_bert, prot_bert)");
}

BertConfig read_bert_config(const std::string& path) {
  std::ifstream in(path);
  require(bool(in), "cannot open the model configuration", {path});
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string("not valid JSON: ") + e.what(), {path});
  }
  require(json.is_object(), "not a JSON object", {path});

  BertConfig config;
  config.path = path;
  config.layers = positive_int(json, "num_hidden_layers", path);
  config.heads = positive_int(json, "num_attention_heads", path);
  config.hidden = positive_int(json, "hidden_size", path);
  config.intermediate = positive_int(json, "intermediate_size", path);
  config.max_positions = positive_int(json, "max_position_embeddings", path);
  config.vocab_size = positive_int(json, "vocab_size", path);
  config.type_vocab_size = positive_int(json, "type_vocab_size", path, 2);  // TAPE's and HF's default
  require(config.hidden % config.heads == 0,
          "hidden_size " + std::to_string(config.hidden) + " is not divisible by num_attention_heads " +
              std::to_string(config.heads),
          {path});

  if (const auto eps = json.find("layer_norm_eps"); eps != json.end()) {
    require(eps->is_number() && eps->get<double>() > 0, "field 'layer_norm_eps' must be a positive number", {path});
    config.layer_norm_eps = eps->get<double>();
  }
  const std::string activation = json.value("hidden_act", std::string("gelu"));
  if (activation == "gelu") {
    config.gelu = GeluForm::erf;
  } else if (activation == "gelu_new") {
    config.gelu = GeluForm::tanh;
  } else {
    throw Error("hidden_act '" + activation + "' is not supported (gelu = erf form, gelu_new = tanh form)", {path});
  }
  if (const auto type = json.find("model_type"); type != json.end() && type->is_string()) {
    config.model_type = type->get<std::string>();
  }
  if (const auto names = json.find("architectures"); names != json.end() && names->is_array()) {
    for (const auto& name : *names) {
      if (name.is_string()) config.hf_architectures.push_back(name.get<std::string>());
    }
  }
  if (const auto seed = json.find("bertology_seed"); seed != json.end() && seed->is_number_unsigned()) {
    config.seed = seed->get<std::uint64_t>();
  }
  return config;
}

std::optional<std::int64_t> Vocabulary::find(const std::string& token) const {
  const auto found = std::find(tokens.begin(), tokens.end(), token);
  if (found == tokens.end()) return std::nullopt;
  return std::int64_t(found - tokens.begin());
}

Vocabulary read_vocabulary(const std::string& path) {
  std::ifstream in(path);
  require(bool(in), "cannot open the vocabulary", {path});
  Vocabulary vocabulary{path, {}};
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocabulary.tokens.push_back(line);
  }
  require(!vocabulary.tokens.empty(), "the vocabulary is empty", {path});
  return vocabulary;
}

std::vector<std::string> public_vocabulary(Architecture architecture) {
  switch (architecture) {
    case Architecture::tape_bert:  // tape/tokenizers.py IUPAC_VOCAB
      return {"<pad>", "<mask>", "<cls>", "<sep>", "<unk>", "A", "B", "C", "D", "E", "F", "G", "H", "I", "K",
              "L",     "M",      "N",     "O",     "P",     "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z"};
    case Architecture::prot_bert:  // Rostlab/prot_bert vocab.txt
      return {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "L", "A", "G", "V", "E", "S", "I", "K", "R", "D",
              "T",     "P",     "N",     "Q",     "F",      "Y", "M", "H", "C", "W", "X", "U", "B", "Z", "O"};
  }
  throw std::logic_error("unnamed architecture");
}

// Detection rule, first match wins:
//  1. config.json "model_type": "bert" → prot_bert (HF BertForMaskedLM layout); any other
//     model_type is an architecture this build does not implement.
//  2. config.json "architectures" names a Bert* class (HF configs older than model_type,
//     e.g. Rostlab/prot_bert) → prot_bert.
//  3. TAPE configs say neither: the folder is tape_bert when it carries TAPE's MLM head
//     ("mlm.*" tensors) or TAPE's vocabulary ("<cls>"), prot_bert when it carries HF's
//     ("cls.*" tensors, "[CLS]"); evidence for both or neither asks for --arch.
Architecture detect_architecture(const BertConfig& config, const SafetensorsReader& weights, const Vocabulary* vocabulary) {
  if (config.model_type) {
    require(*config.model_type == "bert",
            "model_type '" + *config.model_type + "' is not an architecture this build implements (tape_bert, prot_bert)",
            {config.path});
    return Architecture::prot_bert;
  }
  for (const auto& name : config.hf_architectures) {
    if (starts_with(name, "Bert")) return Architecture::prot_bert;
  }
  const auto has_tensor_prefix = [&](const std::string& prefix) {
    return std::any_of(weights.tensors().begin(), weights.tensors().end(),
                       [&](const auto& tensor) { return starts_with(tensor.first, prefix); });
  };
  const auto has_token = [&](const std::string& token) { return vocabulary && vocabulary->find(token).has_value(); };
  const bool tape = has_tensor_prefix("mlm.") || has_token("<cls>");
  const bool hugging_face = has_tensor_prefix("cls.") || has_token("[CLS]");
  require(tape != hugging_face,
          std::string("cannot tell the architecture: config.json has no model_type and the weights and vocabulary ") +
              (tape ? "look like both TAPE and HuggingFace BERT" : "look like neither TAPE nor HuggingFace BERT") +
              "; pass --arch tape_bert or --arch prot_bert",
          {config.path});
  return tape ? Architecture::tape_bert : Architecture::prot_bert;
}

std::vector<ParameterSpec> bert_parameters(Architecture architecture, const BertConfig& config) {
  const std::int64_t hidden = config.hidden;
  const std::int64_t intermediate = config.intermediate;
  std::vector<ParameterSpec> specs;
  const auto add = [&](std::string name, std::vector<std::int64_t> shape, bool used = true) {
    specs.push_back({std::move(name), std::move(shape), used, ""});
  };
  const auto add_linear = [&](const std::string& name, std::int64_t out, std::int64_t in, bool used = true) {
    add(name + ".weight", {out, in}, used);
    add(name + ".bias", {out}, used);
  };
  const auto add_layer_norm = [&](const std::string& name, bool used = true) {
    add(name + ".weight", {hidden}, used);
    add(name + ".bias", {hidden}, used);
  };

  add("bert.embeddings.word_embeddings.weight", {config.vocab_size, hidden});
  add("bert.embeddings.position_embeddings.weight", {config.max_positions, hidden});
  add("bert.embeddings.token_type_embeddings.weight", {config.type_vocab_size, hidden});
  add_layer_norm("bert.embeddings.LayerNorm");
  for (int layer = 0; layer < config.layers; ++layer) {
    const std::string prefix = "bert.encoder.layer." + std::to_string(layer) + ".";
    add_linear(prefix + "attention.self.query", hidden, hidden);
    add_linear(prefix + "attention.self.key", hidden, hidden);
    add_linear(prefix + "attention.self.value", hidden, hidden);
    add_linear(prefix + "attention.output.dense", hidden, hidden);
    add_layer_norm(prefix + "attention.output.LayerNorm");
    add_linear(prefix + "intermediate.dense", intermediate, hidden);
    add_linear(prefix + "output.dense", hidden, intermediate);
    add_layer_norm(prefix + "output.LayerNorm");
  }
  add_linear("bert.pooler.dense", hidden, hidden, false);
  const std::string head = head_prefix(architecture);
  add(head + "bias", {config.vocab_size}, false);
  add_linear(head + "transform.dense", hidden, hidden, false);
  add_layer_norm(head + "transform.LayerNorm", false);
  add(head + "decoder.weight", {config.vocab_size, hidden}, false);
  specs.back().tied_to = "bert.embeddings.word_embeddings.weight";
  return specs;
}

void check_bert_checkpoint(Architecture architecture, const BertConfig& config, const SafetensorsReader& weights,
                           const Vocabulary& vocabulary) {
  require(vocabulary.tokens.size() == std::size_t(config.vocab_size),
          "has " + std::to_string(vocabulary.tokens.size()) + " tokens but " + config.path + " says vocab_size " +
              std::to_string(config.vocab_size),
          {vocabulary.path});

  const auto specs = bert_parameters(architecture, config);
  const std::string described = "the " + std::to_string(config.layers) + "-layer " + architecture_name(architecture) +
                                " model that " + config.path + " describes";
  for (const auto& spec : specs) {
    if (!spec.used_by_encoder) continue;
    require(weights.contains(spec.name), "missing tensor '" + spec.name + "' of " + described, {weights.path()});
    const auto& shape = weights.entry(spec.name).shape;
    require(shape == spec.shape,
            "tensor '" + spec.name + "' has shape " + shape_text(shape) + " but " + described + " needs " +
                shape_text(spec.shape),
            {weights.path()});
  }
  // Anything else must be a part the attention never reads (pooler, MLM head, HF's
  // position_ids buffer); a stray encoder tensor means config and weights disagree.
  const std::string head = head_prefix(architecture);
  for (const auto& [name, entry] : weights.tensors()) {
    const bool known = std::any_of(specs.begin(), specs.end(), [&](const ParameterSpec& spec) { return spec.name == name; });
    const bool unused_part =
        starts_with(name, head) || starts_with(name, "bert.pooler.") || name == "bert.embeddings.position_ids";
    require(known || unused_part, "unexpected tensor '" + name + "': not part of " + described, {weights.path()});
  }
}

}  // namespace bertology::model

#include "checkpoint.h"

#include <algorithm>
#include <fstream>

#include "bertology/error.h"
#include "safetensors.h"

namespace bertology::model {
namespace {

constexpr Architecture all_architectures[] = {Architecture::tape_bert,   Architecture::prot_bert,
                                              Architecture::prot_albert, Architecture::prot_xlnet,
                                              Architecture::esm2,        Architecture::torchscript};

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

int positive_int(const nlohmann::json& config, const char* key, const std::string& path,
                 std::optional<int> fallback = {}) {
  const auto found = config.find(key);
  if (found == config.end() || found->is_null()) {
    require(fallback.has_value(), std::string("missing field '") + key + "'", {path});
    return *fallback;
  }
  require(found->is_number_integer() && found->get<long long>() > 0 && found->get<long long>() <= 1LL << 30,
          std::string("field '") + key + "' must be a positive integer", {path});
  return found->get<int>();
}

double positive_number(const nlohmann::json& config, const char* key, const std::string& path, double fallback) {
  const auto found = config.find(key);
  if (found == config.end()) return fallback;
  require(found->is_number() && found->get<double>() > 0, std::string("field '") + key + "' must be a positive number",
          {path});
  return found->get<double>();
}

std::string text_field(const nlohmann::json& config, const char* key, const std::string& path,
                       const std::string& fallback) {
  const auto found = config.find(key);
  if (found == config.end() || found->is_null()) return fallback;
  require(found->is_string(), std::string("field '") + key + "' must be a string", {path});
  return found->get<std::string>();
}

bool flag(const nlohmann::json& config, const char* key, const std::string& path, bool fallback) {
  const auto found = config.find(key);
  if (found == config.end() || found->is_null()) return fallback;
  require(found->is_boolean(), std::string("field '") + key + "' must be true or false", {path});
  return found->get<bool>();
}

// HF's names: "gelu" is the erf form and "gelu_new" the tanh form in BERT and ALBERT.
GeluForm bert_gelu(const std::string& activation, const std::string& path) {
  if (activation == "gelu") return GeluForm::erf;
  if (activation == "gelu_new") return GeluForm::tanh;
  throw Error("hidden_act '" + activation + "' is not supported (gelu = erf form, gelu_new = tanh form)", {path});
}

void require_divisible(const ModelConfig& config) {
  require(config.hidden % config.heads == 0,
          "hidden size " + std::to_string(config.hidden) + " is not divisible by the " + std::to_string(config.heads) +
              " attention heads",
          {config.path});
}

// The shape fields every Hugging Face encoder config (BERT, ALBERT, ESM) names alike.
void read_encoder_shape(const nlohmann::json& json, ModelConfig& config) {
  const std::string& path = config.path;
  config.layers = positive_int(json, "num_hidden_layers", path);
  config.heads = positive_int(json, "num_attention_heads", path);
  config.hidden = positive_int(json, "hidden_size", path);
  config.intermediate = positive_int(json, "intermediate_size", path);
  config.max_positions = positive_int(json, "max_position_embeddings", path);
  config.vocab_size = positive_int(json, "vocab_size", path);
}

void read_bert_fields(const nlohmann::json& json, ModelConfig& config, const std::string& default_activation) {
  const std::string& path = config.path;
  read_encoder_shape(json, config);
  config.type_vocab_size = positive_int(json, "type_vocab_size", path, 2);  // TAPE's and HF's default
  config.layer_norm_eps = positive_number(json, "layer_norm_eps", path, 1e-12);
  config.gelu = bert_gelu(text_field(json, "hidden_act", path, default_activation), path);
  config.embedding_size = config.hidden;
  require_divisible(config);
}

void read_albert_fields(const nlohmann::json& json, ModelConfig& config) {
  read_bert_fields(json, config, "gelu_new");  // HF AlbertConfig's default
  config.embedding_size = positive_int(json, "embedding_size", config.path);
  config.hidden_groups = positive_int(json, "num_hidden_groups", config.path, 1);
  config.inner_group_num = positive_int(json, "inner_group_num", config.path, 1);
  require(config.layers % config.hidden_groups == 0,
          "num_hidden_layers " + std::to_string(config.layers) + " is not a multiple of num_hidden_groups " +
              std::to_string(config.hidden_groups),
          {config.path});
}

// ProtXLNet was pretrained on rows of up to 512 tokens. Its relative positions put no limit in
// the weights, so this is the length bertology accepts, not one the checkpoint dictates.
constexpr int xlnet_max_tokens = 512;

void read_xlnet_fields(const nlohmann::json& json, ModelConfig& config) {
  const std::string& path = config.path;
  config.layers = positive_int(json, "n_layer", path);
  config.heads = positive_int(json, "n_head", path);
  config.hidden = positive_int(json, "d_model", path);
  config.intermediate = positive_int(json, "d_inner", path);
  config.vocab_size = positive_int(json, "vocab_size", path, positive_int(json, "n_token", path, 0));
  require(config.vocab_size > 0, "missing field 'vocab_size' (or 'n_token')", {path});
  config.max_positions = xlnet_max_tokens;
  config.layer_norm_eps = positive_number(json, "layer_norm_eps", path, 1e-12);
  config.embedding_size = config.hidden;
  require_divisible(config);
  const int head_size = positive_int(json, "d_head", path, config.hidden / config.heads);
  require(head_size == config.hidden / config.heads,
          "d_head " + std::to_string(head_size) +
              " is not d_model / n_head = " + std::to_string(config.hidden / config.heads),
          {path});
  // The code the paper ran (transformers 2.x) maps XLNet's "gelu" to the tanh approximation.
  const std::string activation = text_field(json, "ff_activation", path, "gelu");
  require(activation == "gelu" || activation == "gelu_new",
          "ff_activation '" + activation + "' is not supported (gelu, gelu_new: the tanh form in XLNet)", {path});
  config.gelu = GeluForm::tanh;
  const std::string attention = text_field(json, "attn_type", path, "bi");
  require(attention == "bi",
          "attn_type '" + attention + "' is not supported: the paper analyses bidirectional XLNet (bi)", {path});
  if (const auto clamp = json.find("clamp_len"); clamp != json.end() && !clamp->is_null()) {
    require(clamp->is_number_integer(), "field 'clamp_len' must be an integer", {path});
    config.clamp_len = clamp->get<int>();
  }
}

void read_esm_fields(const nlohmann::json& json, ModelConfig& config) {
  const std::string& path = config.path;
  read_encoder_shape(json, config);
  config.layer_norm_eps = positive_number(json, "layer_norm_eps", path, 1e-12);  // HF EsmConfig's default
  config.gelu = GeluForm::erf;  // ESM's own gelu, whatever hidden_act says
  config.embedding_size = config.hidden;
  require_divisible(config);
  require(config.head_size() % 2 == 0, "rotary embeddings need an even head size", {path});
  const std::string positions = text_field(json, "position_embedding_type", path, "absolute");
  require(
      positions == "rotary",
      "position_embedding_type '" + positions + "': only ESM-2's rotary embeddings are implemented (not ESM-1b/ESM-1v)",
      {path});
  require(!flag(json, "emb_layer_norm_before", path, false),
          "emb_layer_norm_before is an ESM-1b feature; only the ESM-2 layout is implemented", {path});
  config.token_dropout = flag(json, "token_dropout", path, false);
  if (config.token_dropout) {
    const auto mask = json.find("mask_token_id");
    require(mask != json.end() && mask->is_number_integer() && mask->get<long long>() >= 0 &&
                mask->get<long long>() < config.vocab_size,
            "token_dropout needs 'mask_token_id', a token id below vocab_size", {path});
    config.mask_token_id = mask->get<std::int64_t>();
  }
}

// The tensors a layout may carry besides its parameter list: heads under other names, and
// HF's position_ids buffers.
bool foreign_part_allowed(Architecture architecture, const std::string& name) {
  switch (architecture) {
    case Architecture::tape_bert:
      return starts_with(name, "mlm.") || starts_with(name, "bert.pooler.") || name == "bert.embeddings.position_ids";
    case Architecture::prot_bert:
      return starts_with(name, "cls.") || starts_with(name, "bert.pooler.") || name == "bert.embeddings.position_ids";
    case Architecture::prot_albert:
      return starts_with(name, "predictions.") || starts_with(name, "albert.pooler.") ||
             name == "albert.embeddings.position_ids";
    case Architecture::prot_xlnet:
      return starts_with(name, "lm_loss.");
    case Architecture::esm2:
      return starts_with(name, "lm_head.") || starts_with(name, "esm.contact_head.") ||
             name == "esm.embeddings.position_ids";
    case Architecture::torchscript:
      break;
  }
  return false;
}

class SpecList {
 public:
  std::vector<ParameterSpec> specs;

  void add(std::string name, std::vector<std::int64_t> shape, ParameterRole role, bool used = true) {
    specs.push_back({std::move(name), std::move(shape), role, 0, used, ""});
  }
  void matrix(std::string name, std::int64_t out, std::int64_t in, ParameterRole role, bool used = true) {
    specs.push_back({std::move(name), {out, in}, role, in, used, ""});
  }
  void linear(const std::string& name, std::int64_t out, std::int64_t in, ParameterRole role, bool used = true) {
    matrix(name + ".weight", out, in, role, used);
    add(name + ".bias", {out}, ParameterRole::bias, used);
  }
  void layer_norm(const std::string& name, std::int64_t size, bool used = true) {
    add(name + ".weight", {size}, ParameterRole::layer_norm_scale, used);
    add(name + ".bias", {size}, ParameterRole::bias, used);
  }
  void tie_last(const std::string& to) { specs.back().tied_to = to; }
};

std::vector<ParameterSpec> bert_parameters(Architecture architecture, const ModelConfig& config) {
  const std::int64_t hidden = config.hidden;
  const std::int64_t intermediate = config.intermediate;
  SpecList list;
  const BertEmbeddingNames embedding = bert_embedding_names(architecture);
  list.add(embedding.word, {config.vocab_size, hidden}, ParameterRole::embedding);
  list.add(embedding.position, {config.max_positions, hidden}, ParameterRole::embedding);
  list.add(embedding.token_type, {config.type_vocab_size, hidden}, ParameterRole::embedding);
  list.layer_norm(embedding.norm, hidden);
  for (int layer = 0; layer < config.layers; ++layer) {
    const PostNormLayerNames names = bert_layer_names(layer);
    list.linear(names.query, hidden, hidden, ParameterRole::query_key);
    list.linear(names.key, hidden, hidden, ParameterRole::query_key);
    list.linear(names.value, hidden, hidden, ParameterRole::branch_output);
    list.linear(names.attention_output, hidden, hidden, ParameterRole::branch_output);
    list.layer_norm(names.attention_norm, hidden);
    list.linear(names.intermediate, intermediate, hidden, ParameterRole::projection);
    list.linear(names.output, hidden, intermediate, ParameterRole::branch_output);
    list.layer_norm(names.output_norm, hidden);
  }
  list.linear("bert.pooler.dense", hidden, hidden, ParameterRole::projection, false);
  const std::string head = architecture == Architecture::tape_bert ? "mlm." : "cls.predictions.";
  list.add(head + "bias", {config.vocab_size}, ParameterRole::bias, false);
  list.linear(head + "transform.dense", hidden, hidden, ParameterRole::projection, false);
  list.layer_norm(head + "transform.LayerNorm", hidden, false);
  list.matrix(head + "decoder.weight", config.vocab_size, hidden, ParameterRole::embedding, false);
  list.tie_last(embedding.word);
  return list.specs;
}

std::vector<ParameterSpec> albert_parameters(const ModelConfig& config) {
  const std::int64_t hidden = config.hidden;
  const std::int64_t embedding = config.embedding_size;
  const std::int64_t intermediate = config.intermediate;
  SpecList list;
  const BertEmbeddingNames names = bert_embedding_names(Architecture::prot_albert);
  list.add(names.word, {config.vocab_size, embedding}, ParameterRole::embedding);
  list.add(names.position, {config.max_positions, embedding}, ParameterRole::embedding);
  list.add(names.token_type, {config.type_vocab_size, embedding}, ParameterRole::embedding);
  list.layer_norm(names.norm, embedding);
  list.linear(names.to_hidden, hidden, embedding, ParameterRole::projection);
  for (int group = 0; group < config.hidden_groups; ++group) {
    for (int inner = 0; inner < config.inner_group_num; ++inner) {
      const PostNormLayerNames layer = albert_layer_names(group, inner);
      list.layer_norm(layer.output_norm, hidden);
      list.linear(layer.query, hidden, hidden, ParameterRole::query_key);
      list.linear(layer.key, hidden, hidden, ParameterRole::query_key);
      list.linear(layer.value, hidden, hidden, ParameterRole::branch_output);
      list.linear(layer.attention_output, hidden, hidden, ParameterRole::branch_output);
      list.layer_norm(layer.attention_norm, hidden);
      list.linear(layer.intermediate, intermediate, hidden, ParameterRole::projection);
      list.linear(layer.output, hidden, intermediate, ParameterRole::branch_output);
    }
  }
  list.matrix("albert.pooler.weight", hidden, hidden, ParameterRole::projection, false);
  list.add("albert.pooler.bias", {hidden}, ParameterRole::bias, false);
  list.add("predictions.bias", {config.vocab_size}, ParameterRole::bias, false);
  list.layer_norm("predictions.LayerNorm", embedding, false);
  list.linear("predictions.dense", embedding, hidden, ParameterRole::projection, false);
  list.matrix("predictions.decoder.weight", config.vocab_size, embedding, ParameterRole::embedding, false);
  list.tie_last(names.word);
  list.add("predictions.decoder.bias", {config.vocab_size}, ParameterRole::bias, false);
  list.tie_last("predictions.bias");
  return list.specs;
}

std::vector<ParameterSpec> xlnet_parameters(const ModelConfig& config) {
  const std::int64_t model = config.hidden;
  const std::int64_t heads = config.heads;
  const std::int64_t head_size = config.head_size();
  SpecList list;
  list.add("transformer.mask_emb", {1, 1, model}, ParameterRole::embedding, false);
  list.add(XLNetNames::word_embedding, {config.vocab_size, model}, ParameterRole::embedding);
  for (int layer = 0; layer < config.layers; ++layer) {
    const XLNetNames names = xlnet_layer_names(layer);
    const std::string prefix = "transformer.layer." + std::to_string(layer) + ".";  // the parts bertology never reads
    // q, k, v, o, r are [d_model, n_head, d_head]: o maps heads back to d_model, so its fan-in is n_head·d_head.
    const auto projection = [&](const std::string& name, ParameterRole role, std::int64_t fan_in) {
      list.specs.push_back({name, {model, heads, head_size}, role, fan_in, true, ""});
    };
    projection(names.query, ParameterRole::query_key, model);
    projection(names.key, ParameterRole::query_key, model);
    projection(names.value, ParameterRole::branch_output, model);
    projection(names.output, ParameterRole::branch_output, heads * head_size);
    projection(names.position, ParameterRole::query_key, model);
    list.add(names.position_bias, {heads, head_size}, ParameterRole::bias);
    list.add(prefix + "rel_attn.r_s_bias", {heads, head_size}, ParameterRole::bias, false);
    list.add(names.content_bias, {heads, head_size}, ParameterRole::bias);
    list.add(prefix + "rel_attn.seg_embed", {2, heads, head_size}, ParameterRole::embedding, false);
    list.layer_norm(names.attention_norm, model);
    list.layer_norm(names.feed_forward_norm, model);
    list.linear(names.feed_forward_in, config.intermediate, model, ParameterRole::projection);
    list.linear(names.feed_forward_out, model, config.intermediate, ParameterRole::branch_output);
  }
  list.matrix("lm_loss.weight", config.vocab_size, model, ParameterRole::embedding, false);
  list.tie_last(XLNetNames::word_embedding);
  list.add("lm_loss.bias", {config.vocab_size}, ParameterRole::bias, false);
  return list.specs;
}

std::vector<ParameterSpec> esm_parameters(const ModelConfig& config) {
  const std::int64_t hidden = config.hidden;
  const std::int64_t intermediate = config.intermediate;
  SpecList list;
  list.add(EsmNames::word_embedding, {config.vocab_size, hidden}, ParameterRole::embedding);
  // HF builds this table even for rotary models and never reads it then.
  list.add("esm.embeddings.position_embeddings.weight", {config.max_positions, hidden}, ParameterRole::embedding,
           false);
  for (int layer = 0; layer < config.layers; ++layer) {
    const EsmNames names = esm_layer_names(layer);
    list.linear(names.query, hidden, hidden, ParameterRole::query_key);
    list.linear(names.key, hidden, hidden, ParameterRole::query_key);
    list.linear(names.value, hidden, hidden, ParameterRole::branch_output);
    list.add(names.inverse_frequencies, {config.head_size() / 2}, ParameterRole::rotary_frequencies);
    list.linear(names.attention_output, hidden, hidden, ParameterRole::branch_output);
    list.layer_norm(names.attention_norm, hidden);
    list.linear(names.feed_forward_in, intermediate, hidden, ParameterRole::projection);
    list.linear(names.feed_forward_out, hidden, intermediate, ParameterRole::branch_output);
    list.layer_norm(names.feed_forward_norm, hidden);
  }
  // Only the last hidden state passes through it; attention maps never do.
  list.layer_norm("esm.encoder.emb_layer_norm_after", hidden, false);
  list.matrix("esm.contact_head.regression.weight", 1, std::int64_t(config.layers) * config.heads,
              ParameterRole::projection, false);
  list.add("esm.contact_head.regression.bias", {1}, ParameterRole::bias, false);
  list.linear("lm_head.dense", hidden, hidden, ParameterRole::projection, false);
  list.layer_norm("lm_head.layer_norm", hidden, false);
  list.matrix("lm_head.decoder.weight", config.vocab_size, hidden, ParameterRole::embedding, false);
  list.tie_last(EsmNames::word_embedding);
  list.add("lm_head.bias", {config.vocab_size}, ParameterRole::bias, false);
  return list.specs;
}

}  // namespace

std::string architecture_name(Architecture architecture) {
  switch (architecture) {
    case Architecture::tape_bert:
      return "tape_bert";
    case Architecture::prot_bert:
      return "prot_bert";
    case Architecture::prot_albert:
      return "prot_albert";
    case Architecture::prot_xlnet:
      return "prot_xlnet";
    case Architecture::esm2:
      return "esm2";
    case Architecture::torchscript:
      return "torchscript";
  }
  throw std::logic_error("unnamed architecture");
}

Architecture parse_architecture(const std::string& name) {
  std::string known;
  for (auto architecture : all_architectures) {
    if (name == architecture_name(architecture)) return architecture;
    known += (known.empty() ? "" : ", ") + architecture_name(architecture);
  }
  throw Error("unknown architecture '" + name + "' (known: " + known + ")");
}

ConfigFile read_config_file(const std::string& path) {
  std::ifstream in(path);
  require(bool(in), "cannot open the model configuration", {path});
  ConfigFile config;
  config.path = path;
  try {
    config.json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not valid JSON: ") + e.what(), {path});
  }
  require(config.json.is_object(), "not a JSON object", {path});
  if (const auto type = config.json.find("model_type"); type != config.json.end() && type->is_string()) {
    config.model_type = type->get<std::string>();
  }
  if (const auto names = config.json.find("architectures"); names != config.json.end() && names->is_array()) {
    for (const auto& name : *names) {
      if (name.is_string()) config.hf_architectures.push_back(name.get<std::string>());
    }
  }
  if (const auto seed = config.json.find("bertology_seed"); seed != config.json.end() && seed->is_number_unsigned()) {
    config.seed = seed->get<std::uint64_t>();
  }
  return config;
}

ModelConfig read_model_config(const ConfigFile& file, Architecture architecture) {
  ModelConfig config;
  config.path = file.path;
  config.seed = file.seed;
  switch (architecture) {
    case Architecture::tape_bert:
    case Architecture::prot_bert:
      read_bert_fields(file.json, config, "gelu");
      break;
    case Architecture::prot_albert:
      read_albert_fields(file.json, config);
      break;
    case Architecture::prot_xlnet:
      read_xlnet_fields(file.json, config);
      break;
    case Architecture::esm2:
      read_esm_fields(file.json, config);
      break;
    case Architecture::torchscript:
      throw std::logic_error("TorchScript folders have no config.json");
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
    case Architecture::esm2:  // esm/data.py Alphabet "ESM-1b", as in facebook/esm2_* vocab.txt
      return {"<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E",        "R",
              "T",     "I",     "D",     "P",     "K", "Q", "N", "F", "Y", "M",        "H",
              "W",     "C",     "X",     "B",     "U", "Z", "O", ".", "-", "<null_1>", "<mask>"};
    case Architecture::prot_albert:
    case Architecture::prot_xlnet:
    case Architecture::torchscript:
      break;
  }
  throw std::logic_error(architecture_name(architecture) + " has no word vocabulary");
}

// Detection rule, first match wins:
//  1. config.json "model_type": "bert" → prot_bert, "albert" → prot_albert, "xlnet" →
//     prot_xlnet, "esm" → esm2 (the HF layouts); any other model_type is refused.
//  2. config.json "architectures" names a Bert*, Albert*, XLNet* or Esm* class (HF configs
//     older than model_type, e.g. Rostlab/prot_bert) → that layout.
//  3. TAPE configs say neither: the folder is tape_bert when it carries TAPE's MLM head
//     ("mlm.*" tensors) or TAPE's vocabulary ("<cls>"), prot_bert when it carries HF's
//     ("cls.*" tensors, "[CLS]"); evidence for both or neither asks for --arch.
// (A folder with model.pt and bertology.json is a TorchScript model: see load_model.)
Architecture detect_architecture(const ConfigFile& config, const SafetensorsReader& weights,
                                 const Vocabulary* vocabulary) {
  const std::pair<const char*, Architecture> model_types[] = {{"bert", Architecture::prot_bert},
                                                              {"albert", Architecture::prot_albert},
                                                              {"xlnet", Architecture::prot_xlnet},
                                                              {"esm", Architecture::esm2}};
  if (config.model_type) {
    for (const auto& [type, architecture] : model_types) {
      if (*config.model_type == type) return architecture;
    }
    throw Error("model_type '" + *config.model_type +
                    "' is not an architecture this build implements (bert, albert, xlnet, esm; or pass --arch)",
                {config.path});
  }
  const std::pair<const char*, Architecture> class_prefixes[] = {{"Bert", Architecture::prot_bert},
                                                                 {"Albert", Architecture::prot_albert},
                                                                 {"XLNet", Architecture::prot_xlnet},
                                                                 {"Esm", Architecture::esm2}};
  for (const auto& name : config.hf_architectures) {
    for (const auto& [prefix, architecture] : class_prefixes) {
      if (starts_with(name, prefix)) return architecture;
    }
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
              "; pass --arch",
          {config.path});
  return tape ? Architecture::tape_bert : Architecture::prot_bert;
}

BertEmbeddingNames bert_embedding_names(Architecture architecture) {
  if (architecture == Architecture::prot_albert)
    return {"albert.embeddings.word_embeddings.weight", "albert.embeddings.position_embeddings.weight",
            "albert.embeddings.token_type_embeddings.weight", "albert.embeddings.LayerNorm",
            "albert.encoder.embedding_hidden_mapping_in"};
  return {"bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
          "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm", ""};
}

PostNormLayerNames bert_layer_names(int layer) {
  const std::string prefix = "bert.encoder.layer." + std::to_string(layer) + ".";
  return {prefix + "attention.self.query",
          prefix + "attention.self.key",
          prefix + "attention.self.value",
          prefix + "attention.output.dense",
          prefix + "attention.output.LayerNorm",
          prefix + "intermediate.dense",
          prefix + "output.dense",
          prefix + "output.LayerNorm"};
}

PostNormLayerNames albert_layer_names(int group, int inner) {
  const std::string prefix =
      "albert.encoder.albert_layer_groups." + std::to_string(group) + ".albert_layers." + std::to_string(inner) + ".";
  return {prefix + "attention.query", prefix + "attention.key",        prefix + "attention.value",
          prefix + "attention.dense", prefix + "attention.LayerNorm",  prefix + "ffn",
          prefix + "ffn_output",      prefix + "full_layer_layer_norm"};
}

XLNetNames xlnet_layer_names(int layer) {
  const std::string prefix = "transformer.layer." + std::to_string(layer) + ".";
  return {prefix + "rel_attn.q",        prefix + "rel_attn.k",          prefix + "rel_attn.v",
          prefix + "rel_attn.o",        prefix + "rel_attn.r",          prefix + "rel_attn.r_w_bias",
          prefix + "rel_attn.r_r_bias", prefix + "rel_attn.layer_norm", prefix + "ff.layer_1",
          prefix + "ff.layer_2",        prefix + "ff.layer_norm"};
}

EsmNames esm_layer_names(int layer) {
  const std::string prefix = "esm.encoder.layer." + std::to_string(layer) + ".";
  return {prefix + "attention.LayerNorm",
          prefix + "attention.self.query",
          prefix + "attention.self.key",
          prefix + "attention.self.value",
          prefix + "attention.output.dense",
          prefix + "attention.self.rotary_embeddings.inv_freq",
          prefix + "LayerNorm",
          prefix + "intermediate.dense",
          prefix + "output.dense"};
}

std::vector<ParameterSpec> checkpoint_parameters(Architecture architecture, const ModelConfig& config) {
  switch (architecture) {
    case Architecture::tape_bert:
    case Architecture::prot_bert:
      return bert_parameters(architecture, config);
    case Architecture::prot_albert:
      return albert_parameters(config);
    case Architecture::prot_xlnet:
      return xlnet_parameters(config);
    case Architecture::esm2:
      return esm_parameters(config);
    case Architecture::torchscript:
      break;
  }
  throw std::logic_error("TorchScript models have no parameter list");
}

void check_checkpoint(Architecture architecture, const ModelConfig& config, const SafetensorsReader& weights) {
  const auto specs = checkpoint_parameters(architecture, config);
  const std::string described = "the " + std::to_string(config.layers) + "-layer " + architecture_name(architecture) +
                                " model that " + config.path + " describes";
  for (const auto& spec : specs) {
    if (!spec.used_by_encoder) continue;
    require(weights.contains(spec.name), "missing tensor '" + spec.name + "' of " + described, {weights.path()});
    const auto& shape = weights.entry(spec.name).shape;
    require(shape == spec.shape,
            "tensor '" + spec.name + "' has shape " + shape_text(shape) + " but " + described + " needs " +
                shape_text(spec.shape),
            {weights.file_of(spec.name).path()});
  }
  // Anything else must be a part the attention never reads (pooler, MLM head, HF's
  // position_ids buffer); a stray encoder tensor means config and weights disagree.
  for (const auto& [name, entry] : weights.tensors()) {
    // An init-capture: Clang before 16 cannot capture a structured binding.
    const bool known = std::any_of(specs.begin(), specs.end(),
                                   [&name = name](const ParameterSpec& spec) { return spec.name == name; });
    require(known || foreign_part_allowed(architecture, name),
            "unexpected tensor '" + name + "': not part of " + described, {weights.file_of(name).path()});
  }
}

void check_vocabulary_size(const Vocabulary& vocabulary, const ModelConfig& config) {
  require(vocabulary.tokens.size() == std::size_t(config.vocab_size),
          "has " + std::to_string(vocabulary.tokens.size()) + " tokens but " + config.path + " says vocab_size " +
              std::to_string(config.vocab_size),
          {vocabulary.path});
}

}  // namespace bertology::model

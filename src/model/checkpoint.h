#pragma once
// What a checkpoint folder must hold in each public layout: the config.json fields, the
// vocabulary, the parameter names and shapes, and how the layout is recognised.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bertology/model/model.h"

namespace bertology::model {

class SafetensorsReader;

// config.json before its architecture is known: the fields that tell the layouts apart.
struct ConfigFile {
  std::string path;
  nlohmann::json json;
  std::optional<std::string> model_type;      // HF configs; TAPE's have none
  std::vector<std::string> hf_architectures;  // HF "architectures", e.g. BertForMaskedLM
  std::optional<std::uint64_t> seed;          // "bertology_seed": weights from make_model, random
};

// Throws bertology::Error naming config.json for a missing file or bad JSON.
ConfigFile read_config_file(const std::string& path);

enum class GeluForm { erf, tanh };

// The sizes every layout has, under BERT's names (XLNet's d_model, n_layer, … are read into
// them), and the few fields one layout adds.
struct ModelConfig {
  std::string path;  // config.json, for error messages
  std::optional<std::uint64_t> seed;
  int layers = 0;  // num_hidden_layers (ALBERT: applications of its shared layer groups)
  int heads = 0;
  int hidden = 0;
  int intermediate = 0;
  int max_positions = 0;
  int vocab_size = 0;
  int type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  GeluForm gelu = GeluForm::erf;
  int embedding_size = 0;           // ALBERT's factorised embeddings (E); the others embed in `hidden`
  int hidden_groups = 1;            // ALBERT: distinct layer groups, each applied layers/groups times
  int inner_group_num = 1;          // ALBERT: layers inside a group
  int clamp_len = -1;               // XLNet: relative distances clamped to ±clamp_len when positive
  bool token_dropout = false;       // ESM-2
  std::int64_t mask_token_id = -1;  // ESM-2, for token dropout
  int head_size() const { return hidden / heads; }
  int attention_layers() const { return layers * inner_group_num; }  // maps per forward
};

// Interprets config.json for one architecture; throws bertology::Error naming the file and
// the field for missing or impossible values.
ModelConfig read_model_config(const ConfigFile& file, Architecture architecture);

struct Vocabulary {
  std::string path;                 // vocab.txt, or a note that the layout's built-in vocabulary is used
  std::vector<std::string> tokens;  // id = index
  std::optional<std::int64_t> find(const std::string& token) const;
};

// One token per line, id = line index; throws bertology::Error naming the file.
Vocabulary read_vocabulary(const std::string& path);

// The word vocabulary each public checkpoint ships: TAPE's IUPAC vocabulary, ProtBert's
// vocab.txt, the ESM-1b/ESM-2 alphabet. ProtAlbert and ProtXLNet ship sentencepiece models
// instead (see train_residue_sentencepiece); asking for theirs is a logic error.
std::vector<std::string> public_vocabulary(Architecture architecture);

// The documented detection rule (see detect_architecture in checkpoint.cpp); throws
// bertology::Error asking for --arch when the folder does not say.
Architecture detect_architecture(const ConfigFile& config, const SafetensorsReader& weights,
                                 const Vocabulary* vocabulary);

// How make_model draws a parameter (and how large its values should be): see draw() there.
enum class ParameterRole {
  embedding,  // token, position and segment tables
  layer_norm_scale,
  bias,                // also XLNet's relative-attention biases
  query_key,           // projections whose products are attention logits (XLNet's r too)
  branch_output,       // value and the last projection of a residual branch
  projection,          // any other matrix
  rotary_frequencies,  // ESM-2's inv_freq buffer: computed, not drawn
};

struct ParameterSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  ParameterRole role = ParameterRole::projection;
  std::int64_t fan_in = 0;      // inputs summed per output (matrices)
  bool used_by_encoder = true;  // false: pooler, language-model head, …: carried, never read
  std::string tied_to;          // the parameter whose values this one shares, if any
};

// The public layouts' tensor names, written once: checkpoint_parameters gives them shapes and
// roles, the encoders load them. A Linear or LayerNorm name is the prefix of .weight and .bias.
struct BertEmbeddingNames {
  std::string word, position, token_type, norm;
  std::string to_hidden;  // ALBERT's factorised E → hidden projection; empty for BERT
};
BertEmbeddingNames bert_embedding_names(Architecture architecture);  // tape_bert, prot_bert, prot_albert
struct PostNormLayerNames {
  std::string query, key, value, attention_output, attention_norm, intermediate, output, output_norm;
};
PostNormLayerNames bert_layer_names(int layer);               // tape_bert, prot_bert
PostNormLayerNames albert_layer_names(int group, int inner);  // prot_albert's shared layers
struct XLNetNames {
  static constexpr const char* word_embedding = "transformer.word_embedding.weight";
  // [d_model, heads, head_size] tensors, and the relative-attention biases [heads, head_size].
  std::string query, key, value, output, position, content_bias, position_bias;
  std::string attention_norm, feed_forward_in, feed_forward_out, feed_forward_norm;
};
XLNetNames xlnet_layer_names(int layer);
struct EsmNames {
  static constexpr const char* word_embedding = "esm.embeddings.word_embeddings.weight";
  std::string attention_norm, query, key, value, attention_output, inverse_frequencies;
  std::string feed_forward_norm, feed_forward_in, feed_forward_out;
};
EsmNames esm_layer_names(int layer);

// Every tensor of the layout's masked-LM checkpoint, named and ordered as its state_dict().
std::vector<ParameterSpec> checkpoint_parameters(Architecture architecture, const ModelConfig& config);

// Checks the weights against the config: every tensor the encoder reads present with its
// shape, nothing foreign. Throws bertology::Error naming the file, the tensor and the shapes.
void check_checkpoint(Architecture architecture, const ModelConfig& config, const SafetensorsReader& weights);

// A word vocabulary must have exactly the config's vocab_size tokens.
void check_vocabulary_size(const Vocabulary& vocabulary, const ModelConfig& config);

}  // namespace bertology::model

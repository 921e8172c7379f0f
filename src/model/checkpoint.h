#pragma once
// What a BERT checkpoint folder must hold, in either public layout: the config.json fields,
// the vocabulary, the parameter names and shapes, and how the layout is recognised.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bertology/model/model.h"

namespace bertology::model {

class SafetensorsReader;

enum class GeluForm { erf, tanh };  // config "gelu" and "gelu_new"

struct BertConfig {
  std::string path;  // config.json, for error messages
  int layers = 0;
  int heads = 0;
  int hidden = 0;
  int intermediate = 0;
  int max_positions = 0;
  int vocab_size = 0;
  int type_vocab_size = 0;
  double layer_norm_eps = 1e-12;
  GeluForm gelu = GeluForm::erf;
  std::optional<std::string> model_type;  // HF configs; TAPE's have none
  std::vector<std::string> hf_architectures;  // HF "architectures", e.g. BertForMaskedLM
  std::optional<std::uint64_t> seed;          // "bertology_seed": weights from make_model, random
};

// Throws bertology::Error naming config.json for a missing file, bad JSON or bad values.
BertConfig read_bert_config(const std::string& path);

struct Vocabulary {
  std::string path;  // vocab.txt, or a note that the layout's built-in vocabulary is used
  std::vector<std::string> tokens;  // id = index
  std::optional<std::int64_t> find(const std::string& token) const;
};

// One token per line, id = line index; throws bertology::Error naming the file.
Vocabulary read_vocabulary(const std::string& path);

// The vocabulary each public checkpoint ships (TAPE's IUPAC vocabulary, ProtBert's vocab.txt).
std::vector<std::string> public_vocabulary(Architecture architecture);

// The documented detection rule (see detect_architecture in checkpoint.cpp); throws
// bertology::Error asking for --arch when the folder does not say.
Architecture detect_architecture(const BertConfig& config, const SafetensorsReader& weights, const Vocabulary* vocabulary);

struct ParameterSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  bool used_by_encoder = true;  // false: pooler and language-model head, carried but never read
  std::string tied_to;          // the parameter whose values this one shares, if any
};

// Every parameter of the layout's masked-LM model, named and ordered as its named_parameters().
std::vector<ParameterSpec> bert_parameters(Architecture architecture, const BertConfig& config);

// Checks config, weights and vocabulary against each other; throws bertology::Error naming
// the file at fault (and the tensor or token).
void check_bert_checkpoint(Architecture architecture, const BertConfig& config, const SafetensorsReader& weights,
                           const Vocabulary& vocabulary);

}  // namespace bertology::model

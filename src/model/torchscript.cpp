// Models without C++ in bertology, brought as TorchScript. The contract:
//
// The model folder holds
//   model.pt        a TorchScript module (torch.jit.script or torch.jit.trace, saved with
//                   torch.jit.save) in eval mode;
//   bertology.json  {"layers": L, "heads": H, "max_positions": P,
//                    "vocabulary": "vocab.txt",   (a word vocabulary in the folder: one token
//                                                  per line, id = line index)
//                    "leading": ["<cls>"], "trailing": ["<eos>"], "pad": "<pad>",
//                    "rare_letters_to_x": false,  (optional: U, Z, O, B → X before lookup)
//                    "hidden": 320}               (optional, recorded in results)
//   and the vocabulary file.
// Rows are tokenised as leading tokens, one token per residue letter, trailing tokens; rows of
// a batch are padded on the right with the pad token.
// model.forward(input_ids, attention_mask) takes input_ids int64 [B, T] and attention_mask
// int64 [B, T] (1 for tokens, 0 for padding) and returns a list or tuple of L tensors
// [B, H, T, T] of attention probabilities: [b, h, i, j] is what query token i gives key
// token j, rows of real tokens sum to 1 and padded keys weigh 0. Any floating type; the
// analysis reads them as float32.
//
// Unlike the built-in encoders, the module returns every layer at once, so peak memory holds L
// layers of maps; and it runs in the precision it was saved in (no autocast).
#include <torch/script.h>

#include <filesystem>
#include <fstream>

#include "bertology/io/checksum.h"
#include "tokenizer.h"
#include "torch_encoder.h"

namespace bertology::model {
namespace {

namespace fs = std::filesystem;

struct Description {
  int layers = 0;
  int heads = 0;
  int hidden = 0;
  int max_positions = 0;
  std::string vocabulary;
  TokenFrame frame;
};

Description read_description(const std::string& path) {
  std::ifstream in(path);
  require(bool(in), "cannot open the TorchScript model's description", {path});
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not valid JSON: ") + e.what(), {path});
  }
  require(json.is_object(), "not a JSON object", {path});
  const auto count = [&](const char* key, bool required) {
    const auto found = json.find(key);
    if (found == json.end() && !required) return 0;
    require(found != json.end() && found->is_number_integer() && found->get<long long>() > 0 &&
                found->get<long long>() <= 1LL << 30,
            std::string("field '") + key + "' must be a positive integer", {path});
    return found->get<int>();
  };
  const auto text = [&](const char* key) {
    const auto found = json.find(key);
    require(found != json.end() && found->is_string(), std::string("field '") + key + "' must be a string", {path});
    return found->get<std::string>();
  };
  const auto tokens = [&](const char* key) {
    const auto found = json.find(key);
    require(found != json.end() && found->is_array(), std::string("field '") + key + "' must be a list of tokens",
            {path});
    std::vector<std::string> list;
    for (const auto& token : *found) {
      require(token.is_string(), std::string("field '") + key + "' must be a list of tokens", {path});
      list.push_back(token.get<std::string>());
    }
    return list;
  };
  Description description;
  description.layers = count("layers", true);
  description.heads = count("heads", true);
  description.hidden = count("hidden", false);
  description.max_positions = count("max_positions", true);
  description.vocabulary = text("vocabulary");
  description.frame = {tokens("leading"), tokens("trailing"), text("pad"), false};
  if (const auto rare = json.find("rare_letters_to_x"); rare != json.end()) {
    require(rare->is_boolean(), "field 'rare_letters_to_x' must be true or false", {path});
    description.frame.rare_letters_to_x = rare->get<bool>();
  }
  return description;
}

class TorchScriptModel final : public TorchEncoder {
 public:
  TorchScriptModel(EncoderSetup setup, torch::jit::Module module, std::int64_t vocab_size, std::string module_path)
      : TorchEncoder(setup, vocab_size), module_(std::move(module)), module_path_(std::move(module_path)) {}
  // The module returns every layer's whole maps at once.
  std::int64_t query_block(std::int64_t, std::int64_t tokens) const override { return tokens; }

 private:
  void encode(const Pass& pass) const override {
    const auto positions = torch::arange(pass.batch.tokens, pass.lengths.options()).unsqueeze(0);
    const auto attention_mask = positions.lt(pass.lengths.unsqueeze(1)).to(torch::kInt64);
    torch::IValue output;
    try {
      output = module_.get_method("forward")({pass.ids, attention_mask});
    } catch (const std::exception& e) {  // the interpreter's errors are not all c10::Error
      throw Error(std::string("the TorchScript module's forward failed: ") + e.what(), {module_path_});
    }
    std::vector<torch::IValue> layers;
    if (output.isTuple()) {
      layers = output.toTupleRef().elements().vec();
    } else if (output.isList()) {
      layers = output.toListRef().vec();
    } else {
      throw Error("forward returned " + output.tagKind() + ", not a list or tuple of attention tensors",
                  {module_path_});
    }
    require(layers.size() == std::size_t(info_.layers),
            "forward returned " + std::to_string(layers.size()) + " attention tensors, bertology.json says " +
                std::to_string(info_.layers) + " layers",
            {module_path_});
    const std::vector<std::int64_t> shape{pass.batch.batch, info_.heads, pass.batch.tokens, pass.batch.tokens};
    for (std::size_t layer = 0; layer < layers.size(); ++layer) {
      require(layers[layer].isTensor(), "forward's output " + std::to_string(layer) + " is not a tensor",
              {module_path_});
      const torch::Tensor maps = layers[layer].toTensor();
      require(maps.sizes().vec() == shape && maps.is_floating_point(),
              "attention tensor " + std::to_string(layer) +
                  " is not floating point [batch, heads, tokens, tokens] = [" + std::to_string(shape[0]) + ", " +
                  std::to_string(shape[1]) + ", " + std::to_string(shape[2]) + ", " + std::to_string(shape[3]) + "]",
              {module_path_});
      hand_out(pass, int(layer), maps);
    }
  }

  // forward is not const in LibTorch's API, although running a module in eval mode changes nothing.
  mutable torch::jit::Module module_;
  std::string module_path_;
};

}  // namespace

bool is_torchscript_folder(const std::string& directory) {
  return fs::exists(fs::path(directory) / "model.pt") && fs::exists(fs::path(directory) / "bertology.json");
}

std::unique_ptr<Model> load_torchscript(const LoadOptions& options) {
  const fs::path folder(options.directory);
  const std::string module_path = (folder / "model.pt").string();
  require(options.precision == Precision::float32,
          "a TorchScript model runs in the precision it was saved in; precision " + precision_name(options.precision) +
              " applies to the built-in architectures",
          {module_path});
  const Description description = read_description((folder / "bertology.json").string());
  const Vocabulary vocabulary = read_vocabulary((folder / description.vocabulary).string());
  require(fs::exists(module_path), "missing TorchScript module", {module_path});

  EncoderSetup setup;
  setup.info.architecture = Architecture::torchscript;
  setup.info.directory = options.directory;
  setup.info.layers = description.layers;
  setup.info.heads = description.heads;
  setup.info.hidden = description.hidden;
  setup.info.max_positions = description.max_positions;
  setup.info.leading_special_tokens = int(description.frame.leading.size());
  setup.info.trailing_special_tokens = int(description.frame.trailing.size());
  if (options.hash_weights) setup.info.weights_sha256 = io::sha256_file_cached(module_path);
  setup.tokenizer = std::make_unique<VocabularyTokenizer>(description.frame, vocabulary);
  setup.device = options.device;
  setup.precision = options.precision;
  try {
    torch::jit::Module module = torch::jit::load(module_path, torch_device(options.device));
    module.eval();
    return std::make_unique<TorchScriptModel>(std::move(setup), std::move(module),
                                              std::int64_t(vocabulary.tokens.size()), module_path);
  } catch (const c10::Error& e) {
    throw Error(std::string("cannot load the TorchScript module: ") + e.what_without_backtrace(), {module_path});
  }
}

}  // namespace bertology::model

// load_model: from a checkpoint folder to a running encoder, every file checked against the
// others first. No LibTorch here: the encoders are built through encoders.h.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/model/model.h"
#include "checkpoint.h"
#include "encoders.h"
#include "safetensors.h"
#include "tokenizer.h"

namespace bertology::model {
namespace {

namespace fs = std::filesystem;

constexpr Precision all_precisions[] = {Precision::float32, Precision::bfloat16, Precision::float16};

// A folder without its tokenizer file still loads: runs from token ids need none.
std::unique_ptr<Tokenizer> make_tokenizer(Architecture architecture, const fs::path& folder, const ModelConfig& config,
                                          std::optional<Vocabulary> vocabulary) {
  const TokenFrame frame = token_frame(architecture);
  if (architecture == Architecture::prot_albert || architecture == Architecture::prot_xlnet) {
    const fs::path model = folder / "spiece.model";
    if (!fs::exists(model)) return std::make_unique<MissingTokenizer>(model.string());
    return std::make_unique<SentencePieceTokenizer>(frame, model.string(), config.vocab_size);
  }
  if (!vocabulary && architecture == Architecture::tape_bert) {
    // TAPE checkpoints ship no vocabulary: TAPE's tokenizer hard-codes it.
    vocabulary = Vocabulary{"TAPE's built-in IUPAC vocabulary", public_vocabulary(Architecture::tape_bert)};
  }
  if (!vocabulary) return std::make_unique<MissingTokenizer>((folder / "vocab.txt").string());
  check_vocabulary_size(*vocabulary, config);
  return std::make_unique<VocabularyTokenizer>(frame, *vocabulary);
}

// ModelInfo::weights_sha256. One file: its SHA-256. A sharded checkpoint: the SHA-256 of the
// index file's bytes followed by one line per shard in the sha256sum format, "<shard's
// SHA-256, lower-case hex>  <shard file name>\n", in ascending file name order (as `sha256sum
// model-*.safetensors` prints them). Each file's hash is cached beside it (PATH.sha256).
std::string weights_sha256(const SafetensorsReader& weights) {
  if (!weights.sharded()) return io::sha256_file_cached(weights.path());
  std::ifstream in(weights.path(), std::ios::binary);
  require(bool(in), "cannot read the index file", {weights.path()});
  const std::string index((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  io::Sha256 hash;
  hash.update(index.data(), index.size());
  for (const auto& shard : weights.files()) {
    const std::string line =
        io::sha256_file_cached(shard.path()) + "  " + fs::path(shard.path()).filename().string() + "\n";
    hash.update(line.data(), line.size());
  }
  return hash.hex_digest();
}

}  // namespace

std::string precision_name(Precision precision) {
  switch (precision) {
    case Precision::float32:
      return "float32";
    case Precision::bfloat16:
      return "bfloat16";
    case Precision::float16:
      return "float16";
  }
  throw std::logic_error("unnamed precision");
}

Precision parse_precision(const std::string& name) {
  for (auto precision : all_precisions) {
    if (name == precision_name(precision)) return precision;
  }
  throw Error("unknown precision '" + name + "' (known: float32, bfloat16, float16)");
}

std::unique_ptr<Model> load_model(const LoadOptions& options) {
  const fs::path folder(options.directory);
  require(fs::is_directory(folder), "model folder not found", {options.directory});
  if (options.architecture ? *options.architecture == Architecture::torchscript
                           : is_torchscript_folder(options.directory)) {
    prepare_torch(options);
    return load_torchscript(options);
  }
  // One model.safetensors, or the hub's shards of a large checkpoint under their index.
  const fs::path single_path = folder / "model.safetensors";
  const fs::path index_path = folder / "model.safetensors.index.json";
  require(!(fs::exists(single_path) && fs::exists(index_path)),
          "holds both model.safetensors and model.safetensors.index.json: remove the stale one", {options.directory});
  const fs::path weights_path = fs::exists(index_path) ? index_path : single_path;
  if (!fs::exists(weights_path) && fs::exists(folder / "pytorch_model.bin")) {
    throw Error(
        "no model.safetensors, only pytorch_model.bin: convert it once with env/convert_checkpoint.py (your own "
        "Python torch; or safetensors.torch.save_file(torch.load('pytorch_model.bin'), 'model.safetensors') "
        "after cloning tied tensors)",
        {weights_path.string()});
  }

  const ConfigFile config_file = read_config_file((folder / "config.json").string());
  SafetensorsReader weights(weights_path.string());
  std::optional<Vocabulary> vocabulary;
  if (fs::exists(folder / "vocab.txt")) vocabulary = read_vocabulary((folder / "vocab.txt").string());

  const Architecture architecture =
      options.architecture ? *options.architecture
                           : detect_architecture(config_file, weights, vocabulary ? &*vocabulary : nullptr);
  const ModelConfig config = read_model_config(config_file, architecture);
  check_checkpoint(architecture, config, weights);
  auto tokenizer = make_tokenizer(architecture, folder, config, std::move(vocabulary));
  prepare_torch(options);

  const TokenFrame frame = token_frame(architecture);
  EncoderSetup setup;
  setup.info.architecture = architecture;
  setup.info.directory = options.directory;
  setup.info.layers = config.attention_layers();
  setup.info.heads = config.heads;
  setup.info.hidden = config.hidden;
  // ESM-2's rotary positions have no table: any length runs (trained on up to 1022 residues).
  setup.info.max_positions = architecture == Architecture::esm2 ? 0 : config.max_positions;
  setup.info.leading_special_tokens = int(frame.leading.size());
  setup.info.trailing_special_tokens = int(frame.trailing.size());
  if (options.hash_weights) setup.info.weights_sha256 = weights_sha256(weights);
  for (const auto& file : weights.files()) setup.info.weights_files.push_back(file.identity());
  if (config.seed)
    setup.info.weights_note = "seeded random weights (bertology make-model, seed " + std::to_string(*config.seed) +
                              "): they measure nothing biological";
  setup.tokenizer = std::move(tokenizer);
  setup.config = config;
  setup.device = options.device;
  setup.precision = options.precision;
  setup.attention_memory = options.attention_memory;
  switch (architecture) {
    case Architecture::tape_bert:
    case Architecture::prot_bert:
    case Architecture::prot_albert:
      return make_bert_encoder(std::move(setup), weights);
    case Architecture::prot_xlnet:
      return make_xlnet_encoder(std::move(setup), weights);
    case Architecture::esm2:
      return make_esm2_encoder(std::move(setup), weights);
    case Architecture::torchscript:
      break;
  }
  throw std::logic_error("unhandled architecture");
}

}  // namespace bertology::model

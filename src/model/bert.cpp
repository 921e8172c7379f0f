// The BERT encoder of TAPE bert-base and ProtBert in LibTorch. This is the only translation
// unit of bertology that includes <torch/torch.h>.
#include <dlfcn.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "bertology/error.h"
#include "bertology/model/model.h"
#include "bertology/io/checksum.h"
#include "checkpoint.h"
#include "safetensors.h"
#include "tokenizer.h"

namespace bertology::model {
namespace {

torch::Device torch_device(const Device& device) {
  return device.kind == DeviceKind::cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device.index))
                                         : torch::Device(torch::kCPU);
}

// LibTorch's intra-op threads do not cover the BLAS: Debian's OpenBLAS starts one thread per
// core in every process unless told otherwise, so both are set when the user asks for threads.
void set_threads(int threads) {
  torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (auto openblas_set_num_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    openblas_set_num_threads(threads);
  }
}

struct Linear {
  torch::Tensor weight;
  torch::Tensor bias;
  torch::Tensor operator()(const torch::Tensor& x) const { return torch::linear(x, weight, bias); }
};

struct LayerNormParameters {
  torch::Tensor weight;
  torch::Tensor bias;
};

struct EncoderLayer {
  Linear query, key, value, attention_output;
  LayerNormParameters attention_norm;
  Linear intermediate, output;
  LayerNormParameters output_norm;
};

class WeightLoader {
 public:
  WeightLoader(SafetensorsReader& reader, torch::Device device) : reader_(reader), device_(device) {}

  torch::Tensor tensor(const std::string& name) {
    auto values = torch::empty(reader_.entry(name).shape, torch::kFloat32);
    reader_.read_float32(name, values.data_ptr<float>());
    return values.to(device_);
  }
  Linear linear(const std::string& prefix) { return {tensor(prefix + ".weight"), tensor(prefix + ".bias")}; }
  LayerNormParameters layer_norm(const std::string& prefix) { return {tensor(prefix + ".weight"), tensor(prefix + ".bias")}; }

 private:
  SafetensorsReader& reader_;
  torch::Device device_;
};

class BertEncoder final : public Model {
 public:
  BertEncoder(ModelInfo info, std::unique_ptr<BertTokenizer> tokenizer, const BertConfig& config, SafetensorsReader& weights,
              Device device)
      : info_(std::move(info)),
        tokenizer_(std::move(tokenizer)),
        device_(device),
        vocab_size_(config.vocab_size),
        layer_norm_eps_(config.layer_norm_eps),
        gelu_approximation_(config.gelu == GeluForm::erf ? "none" : "tanh") {
    WeightLoader load(weights, torch_device(device));
    word_embeddings_ = load.tensor("bert.embeddings.word_embeddings.weight");
    position_embeddings_ = load.tensor("bert.embeddings.position_embeddings.weight");
    token_type_embedding_ = load.tensor("bert.embeddings.token_type_embeddings.weight")[0];
    embedding_norm_ = load.layer_norm("bert.embeddings.LayerNorm");
    for (int layer = 0; layer < config.layers; ++layer) {
      const std::string prefix = "bert.encoder.layer." + std::to_string(layer) + ".";
      layers_.push_back({load.linear(prefix + "attention.self.query"), load.linear(prefix + "attention.self.key"),
                         load.linear(prefix + "attention.self.value"), load.linear(prefix + "attention.output.dense"),
                         load.layer_norm(prefix + "attention.output.LayerNorm"), load.linear(prefix + "intermediate.dense"),
                         load.linear(prefix + "output.dense"), load.layer_norm(prefix + "output.LayerNorm")});
    }
  }

  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return *tokenizer_; }

  void forward(const TokenBatch& batch, const LayerCallback& on_layer) override {
    check(batch);
    try {
      run(batch, on_layer);
    } catch (const c10::Error& e) {
      throw Error(std::string("model forward failed: ") + e.what_without_backtrace(), {info_.directory});
    }
  }

 private:
  void check(const TokenBatch& batch) const {
    const ErrorContext context{info_.directory};
    const std::string shape = std::to_string(batch.batch) + " x " + std::to_string(batch.tokens);
    require(batch.batch > 0 && batch.tokens > 0, "empty token batch " + shape, context);
    require(batch.tokens <= info_.max_positions,
            "token rows of " + std::to_string(batch.tokens) + " exceed the model's " + std::to_string(info_.max_positions) +
                " positions (cut sequences first)",
            context);
    require(batch.ids.size() == std::size_t(batch.batch * batch.tokens) && batch.lengths.size() == std::size_t(batch.batch),
            "token batch " + shape + " holds " + std::to_string(batch.ids.size()) + " ids and " +
                std::to_string(batch.lengths.size()) + " lengths",
            context);
    for (std::int64_t row = 0; row < batch.batch; ++row) {
      require(batch.lengths[row] >= 1 && batch.lengths[row] <= batch.tokens,
              "row " + std::to_string(row) + " of the token batch has length " + std::to_string(batch.lengths[row]), context);
    }
    for (auto id : batch.ids) {
      require(id >= 0 && id < vocab_size_, "token id " + std::to_string(id) + " is outside the vocabulary", context);
    }
  }

  torch::Tensor layer_norm(const torch::Tensor& x, const LayerNormParameters& norm) const {
    return torch::layer_norm(x, {x.size(-1)}, norm.weight, norm.bias, layer_norm_eps_);
  }

  // Padded keys get zero weight through -inf scores; every row keeps at least its first token,
  // so no softmax row is all -inf.
  torch::Tensor padding_mask(const TokenBatch& batch, const torch::Device& device) const {
    bool padded = false;
    for (auto length : batch.lengths) padded = padded || length < batch.tokens;
    if (!padded) return {};
    const auto lengths = torch::tensor(batch.lengths, torch::kInt64).to(device);
    const auto is_pad = torch::arange(batch.tokens, torch::TensorOptions().dtype(torch::kInt64).device(device))
                            .unsqueeze(0)
                            .ge(lengths.unsqueeze(1));
    return torch::zeros({batch.batch, 1, 1, batch.tokens}, torch::TensorOptions().device(device))
        .masked_fill(is_pad.view({batch.batch, 1, 1, batch.tokens}), -std::numeric_limits<float>::infinity());
  }

  void run(const TokenBatch& batch, const LayerCallback& on_layer) const {
    torch::InferenceMode inference;
    const torch::Device device = torch_device(device_);
    const std::int64_t rows = batch.batch;
    const std::int64_t tokens = batch.tokens;
    const std::int64_t heads = info_.heads;
    const std::int64_t head_size = info_.hidden / info_.heads;
    const double score_scale = std::sqrt(double(head_size));

    const auto ids = torch::from_blob(const_cast<std::int64_t*>(batch.ids.data()), {rows, tokens}, torch::kInt64).to(device);
    torch::Tensor x = torch::embedding(word_embeddings_, ids) + position_embeddings_.slice(0, 0, tokens) + token_type_embedding_;
    x = layer_norm(x, embedding_norm_);
    const torch::Tensor key_mask = padding_mask(batch, device);

    const auto split_heads = [&](const torch::Tensor& t) { return t.view({rows, tokens, heads, head_size}).transpose(1, 2); };
    for (std::size_t index = 0; index < layers_.size(); ++index) {
      const EncoderLayer& layer = layers_[index];
      torch::Tensor probabilities;
      {
        torch::Tensor scores = torch::matmul(split_heads(layer.query(x)), split_heads(layer.key(x)).transpose(-1, -2));
        scores.div_(score_scale);
        if (key_mask.defined()) scores.add_(key_mask);
        probabilities = torch::softmax(scores, -1).contiguous();
      }
      // The callback's kernels (Kokkos) do not run on LibTorch's stream: the maps must be finished.
      if (device_.kind == DeviceKind::cuda) torch::cuda::synchronize(device_.index);
      on_layer(int(index), AttentionMaps{probabilities.data_ptr<float>(), rows, heads, tokens, device_});
      // The last layer's output feeds no attention map, so it is not computed.
      if (index + 1 == layers_.size()) break;
      const torch::Tensor context =
          torch::matmul(probabilities, split_heads(layer.value(x))).transpose(1, 2).reshape({rows, tokens, info_.hidden});
      probabilities.reset();  // this layer's maps die before the next layer's exist
      const torch::Tensor attended = layer_norm(x + layer.attention_output(context), layer.attention_norm);
      x = layer_norm(attended + layer.output(torch::gelu(layer.intermediate(attended), gelu_approximation_)), layer.output_norm);
    }
  }

  ModelInfo info_;
  std::unique_ptr<BertTokenizer> tokenizer_;
  Device device_;
  std::int64_t vocab_size_;
  double layer_norm_eps_;
  std::string gelu_approximation_;
  torch::Tensor word_embeddings_;
  torch::Tensor position_embeddings_;
  torch::Tensor token_type_embedding_;  // row 0: both layouts feed token type 0 only
  LayerNormParameters embedding_norm_;
  std::vector<EncoderLayer> layers_;
};

}  // namespace

std::string Device::str() const { return kind == DeviceKind::cpu ? "cpu" : "cuda:" + std::to_string(index); }

Device choose_device(int node_local_rank) {
  require(node_local_rank >= 0, "node-local rank must not be negative");
  if (!torch::cuda::is_available()) return {};
  const int visible = int(torch::cuda::device_count());
  return {DeviceKind::cuda, node_local_rank % visible};
}

std::unique_ptr<Model> load_model(const LoadOptions& options) {
  namespace fs = std::filesystem;
  const fs::path folder(options.directory);
  require(fs::is_directory(folder), "model folder not found", {options.directory});
  const fs::path weights_path = folder / "model.safetensors";
  if (!fs::exists(weights_path) && fs::exists(folder / "pytorch_model.bin")) {
    throw Error("no model.safetensors, only pytorch_model.bin: convert it once with Python, e.g. "
                "safetensors.torch.save_file(torch.load('pytorch_model.bin'), 'model.safetensors')",
                {weights_path.string()});
  }

  const BertConfig config = read_bert_config((folder / "config.json").string());
  SafetensorsReader weights(weights_path.string());
  const fs::path vocabulary_path = folder / "vocab.txt";
  std::optional<Vocabulary> vocabulary;
  if (fs::exists(vocabulary_path)) vocabulary = read_vocabulary(vocabulary_path.string());

  const Architecture architecture =
      options.architecture ? *options.architecture : detect_architecture(config, weights, vocabulary ? &*vocabulary : nullptr);
  if (!vocabulary) {
    // TAPE checkpoints ship no vocabulary: TAPE's tokenizer hard-codes it.
    require(architecture == Architecture::tape_bert, "missing vocabulary", {vocabulary_path.string()});
    vocabulary = Vocabulary{"TAPE's built-in IUPAC vocabulary", public_vocabulary(Architecture::tape_bert)};
  }
  check_bert_checkpoint(architecture, config, weights, *vocabulary);
  auto tokenizer = std::make_unique<BertTokenizer>(architecture, *vocabulary);

  if (options.device.kind == DeviceKind::cuda) {
    require(torch::cuda::is_available() && options.device.index < int(torch::cuda::device_count()),
            "device " + options.device.str() + " is not available to LibTorch");
  }
  if (options.threads > 0) set_threads(options.threads);

  ModelInfo info;
  info.architecture = architecture;
  info.directory = options.directory;
  info.layers = config.layers;
  info.heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.leading_special_tokens = 1;
  info.trailing_special_tokens = 1;
  info.weights_sha256 = io::sha256_file(weights.path());
  if (config.seed)
    info.weights_note = "seeded random weights (bertology make-model, seed " + std::to_string(*config.seed) +
                        "): they measure nothing biological";
  try {
    return std::make_unique<BertEncoder>(std::move(info), std::move(tokenizer), config, weights, options.device);
  } catch (const c10::Error& e) {
    throw Error(std::string("cannot place the weights on ") + options.device.str() + ": " + e.what_without_backtrace(),
                {weights.path()});
  }
}

}  // namespace bertology::model

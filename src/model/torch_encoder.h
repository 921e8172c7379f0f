#pragma once
// LibTorch building blocks shared by the architectures. Private to src/model: only the
// encoders' translation units include it (each costs ~20 s and 1.2 GB to compile).
#include <torch/torch.h>

#include <functional>

#include "bertology/error.h"
#include "bertology/model/model.h"
#include "checkpoint.h"
#include "encoders.h"
#include "safetensors.h"

namespace bertology::model {

torch::Device torch_device(const Device& device);

struct Linear {
  torch::Tensor weight;
  torch::Tensor bias;
  torch::Tensor operator()(const torch::Tensor& x) const { return torch::linear(x, weight, bias); }
};

struct LayerNorm {
  torch::Tensor weight;
  torch::Tensor bias;
  double eps = 1e-12;
  torch::Tensor operator()(const torch::Tensor& x) const {
    return torch::layer_norm(x, {x.size(-1)}, weight, bias, eps);
  }
};

torch::Tensor gelu(const torch::Tensor& x, GeluForm form);

// out = a·b, into out's memory when it already holds a result of that type (outside autocast).
void matmul_into(torch::Tensor& out, const torch::Tensor& a, const torch::Tensor& b);

// Builds the model's tensors from the checkpoint, one tensor at a time. On the CPU in float32,
// a float32 tensor of the file is the file's mapped bytes themselves (it holds the mapping):
// the weights are in memory once, as pages of the file. Otherwise each tensor is converted on
// the host to float32 and then moved to the device in the storage type: host memory holds one
// tensor beyond the model, never a second copy of it.
class WeightLoader {
 public:
  WeightLoader(SafetensorsReader& reader, torch::Device device, torch::ScalarType storage, double layer_norm_eps)
      : reader_(reader), device_(device), storage_(storage), layer_norm_eps_(layer_norm_eps) {}

  torch::Tensor tensor(const std::string& name) { return read(name, storage_); }
  torch::Tensor float32(const std::string& name) { return read(name, torch::kFloat32); }  // buffers that stay exact
  Linear linear(const std::string& prefix) { return {tensor(prefix + ".weight"), tensor(prefix + ".bias")}; }
  LayerNorm layer_norm(const std::string& prefix) {
    return {tensor(prefix + ".weight"), tensor(prefix + ".bias"), layer_norm_eps_};
  }

 private:
  torch::Tensor read(const std::string& name, torch::ScalarType type);

  SafetensorsReader& reader_;
  torch::Device device_;
  torch::ScalarType storage_;
  double layer_norm_eps_;
};

// The part of every forward that does not depend on the architecture: checking the batch,
// inference mode, autocast, LibTorch errors turned into bertology errors, and each layer's
// maps handed to the callback.
class TorchEncoder : public Model {
 public:
  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return *tokenizer_; }
  void forward(const TokenBatch& batch, const LayerCallback& on_layer) final;
  std::int64_t query_block(std::int64_t batch, std::int64_t tokens) const override;

 protected:
  // Takes the info and the tokenizer out of `setup`; the rest stays for the architecture.
  TorchEncoder(EncoderSetup& setup, std::int64_t vocab_size);

  struct Pass {
    const TokenBatch& batch;
    torch::Tensor ids;       // [batch, tokens] int64 on the device
    torch::Tensor lengths;   // [batch] int64 on the device
    torch::Tensor key_mask;  // [batch, 1, 1, tokens] float32, -inf at padded keys; undefined without padding
    const LayerCallback& on_layer;
  };
  virtual void encode(const Pass& pass) const = 0;

  // Query rows whose products always run together (CPU 32, GPU 256): blocks are made of them.
  std::int64_t query_granule() const;
  // Scores [batch, heads, end - begin, tokens] of the query rows [begin, end), any floating
  // type, into `scores` (matmul_into reuses its memory from one granule to the next).
  using ScoreBlock = std::function<void(std::int64_t begin, std::int64_t end, torch::Tensor& scores)>;
  // One layer's attention, computed in blocks of query rows that fit attention_memory: each
  // block's softmax over all keys (float32 whatever the precision, padded keys at zero weight)
  // is handed to the callback as layer `layer`, then multiplied by `value` [batch, heads,
  // tokens, head_size]. Returns the context [batch, heads, tokens, head_size], assembled from
  // the blocks; undefined when `value` is (the last layer feeds nothing).
  torch::Tensor attend(const Pass& pass, int layer, const ScoreBlock& scores, const torch::Tensor& value) const;

  // Hands finished maps [batch, heads, queries, tokens] of the query rows from `first_query` on
  // to the callback, as float32.
  void hand_out(const Pass& pass, int layer, const torch::Tensor& probabilities, std::int64_t first_query = 0) const;

  WeightLoader loader(SafetensorsReader& weights, double layer_norm_eps) const;

  ModelInfo info_;
  std::unique_ptr<Tokenizer> tokenizer_;
  Device device_;
  Precision precision_;
  std::uint64_t attention_memory_;
  mutable torch::Tensor block_buffer_;  // one block's maps, kept from layer to layer and batch to batch
  // How many [query, key] float32 buffers per head a granule's scores take at their peak.
  int score_buffers_ = 1;
  std::int64_t vocab_size_;

 private:
  void check(const TokenBatch& batch) const;
};

// Builds an encoder, turning LibTorch's failures to place the weights into bertology errors.
template <typename Encoder>
std::unique_ptr<Model> build_encoder(EncoderSetup setup, SafetensorsReader& weights) {
  const Device device = setup.device;
  try {
    return std::make_unique<Encoder>(std::move(setup), weights);
  } catch (const c10::Error& e) {
    throw Error(std::string("cannot place the weights on ") + device.str() + ": " + e.what_without_backtrace(),
                {weights.path()});
  }
}

}  // namespace bertology::model

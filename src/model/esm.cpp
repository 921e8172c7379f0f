// ESM-2 (fair-esm ESM2, stored in HF EsmForMaskedLM's layout): pre-LayerNorm layers, rotary
// position embeddings, and the token-dropout rescaling of the embeddings.
#include <cmath>

#include "torch_encoder.h"

namespace bertology::model {
namespace {

struct EsmLayer {
  LayerNorm attention_norm;
  Linear query, key, value, attention_output;
  torch::Tensor inverse_frequencies;  // rotary inv_freq [head_size / 2], float32 as stored
  LayerNorm feed_forward_norm;
  Linear feed_forward_in, feed_forward_out;
};

// ESM-2 was trained replacing 15% × 80% of the tokens by <mask> with their embeddings zeroed;
// at inference it rescales the embeddings by the share that training kept, relative to the
// share of <mask> tokens actually present in each row (0.88 when there are none).
constexpr double masked_share_in_training = 0.15 * 0.8;

class Esm2Encoder final : public TorchEncoder {
 public:
  Esm2Encoder(EncoderSetup setup, SafetensorsReader& weights)
      : TorchEncoder(setup, setup.config.vocab_size),
        token_dropout_(setup.config.token_dropout),
        mask_token_(setup.config.mask_token_id) {
    const ModelConfig& config = setup.config;
    WeightLoader load = loader(weights, config.layer_norm_eps);
    word_embeddings_ = load.tensor(EsmNames::word_embedding);
    for (int index = 0; index < config.layers; ++index) {
      const EsmNames names = esm_layer_names(index);
      // The frequencies are read, not recomputed: the public checkpoints hold them rounded
      // through float16, and recomputing them in float32 moves attention by up to 2e-2.
      layers_.push_back({load.layer_norm(names.attention_norm), load.linear(names.query), load.linear(names.key),
                         load.linear(names.value), load.linear(names.attention_output),
                         load.float32(names.inverse_frequencies), load.layer_norm(names.feed_forward_norm),
                         load.linear(names.feed_forward_in), load.linear(names.feed_forward_out)});
    }
  }

 private:
  torch::Tensor embed(const Pass& pass) const {
    torch::Tensor x = torch::embedding(word_embeddings_, pass.ids);
    if (token_dropout_) {
      const auto is_mask = pass.ids.eq(mask_token_);
      x = x.masked_fill(is_mask.unsqueeze(-1), 0.0);
      const auto observed = is_mask.sum(-1).to(x.scalar_type()) / pass.lengths.to(x.scalar_type());
      x = x * (1.0 - masked_share_in_training) / (1.0 - observed).view({-1, 1, 1});
    }
    return x;
  }

  // rot(z) = z·cos(tθ) + rotate_half(z)·sin(tθ) with θ = concat(inv_freq, inv_freq), t the
  // token's position (<cls> is 0), rotate_half(z) = concat(-z[d/2:], z[:d/2]).
  static torch::Tensor rotate(const torch::Tensor& z, const torch::Tensor& cos, const torch::Tensor& sin) {
    const auto halves = z.chunk(2, -1);
    return z * cos + torch::cat({-halves[1], halves[0]}, -1) * sin;
  }

  void encode(const Pass& pass) const override {
    const std::int64_t rows = pass.batch.batch;
    const std::int64_t tokens = pass.batch.tokens;
    const std::int64_t heads = info_.heads;
    const std::int64_t head_size = info_.hidden / info_.heads;
    const double query_scale = 1.0 / std::sqrt(double(head_size));

    torch::Tensor x = embed(pass);
    const auto split_heads = [&](const torch::Tensor& t) {
      return t.view({rows, tokens, heads, head_size}).transpose(1, 2);
    };
    for (std::size_t index = 0; index < layers_.size(); ++index) {
      const EsmLayer& layer = layers_[index];
      const auto positions = torch::arange(tokens, layer.inverse_frequencies.options());
      const auto angles = torch::outer(positions, layer.inverse_frequencies);
      const auto doubled = torch::cat({angles, angles}, -1);
      const auto cos = doubled.cos(), sin = doubled.sin();

      const torch::Tensor normed = layer.attention_norm(x);
      const auto query = rotate(split_heads(layer.query(normed) * query_scale), cos, sin);
      const auto key = rotate(split_heads(layer.key(normed)), cos, sin);
      const bool last = index + 1 == layers_.size();
      const auto key_transposed = key.transpose(-1, -2);
      const torch::Tensor context = attend(
          pass, int(index),
          [&](std::int64_t begin, std::int64_t end, torch::Tensor& scores) {
            matmul_into(scores, query.slice(2, begin, end), key_transposed);
          },
          last ? torch::Tensor() : split_heads(layer.value(normed)));
      if (last) break;
      x = x + layer.attention_output(context.transpose(1, 2).reshape({rows, tokens, info_.hidden}));
      x = x + layer.feed_forward_out(gelu(layer.feed_forward_in(layer.feed_forward_norm(x)), GeluForm::erf));
    }
  }

  bool token_dropout_;
  std::int64_t mask_token_;
  torch::Tensor word_embeddings_;
  std::vector<EsmLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> make_esm2_encoder(EncoderSetup setup, SafetensorsReader& weights) {
  return build_encoder<Esm2Encoder>(std::move(setup), weights);
}

}  // namespace bertology::model

// XLNet (ProtXLNet) as the paper ran it: HF XLNetModel(input_ids), bidirectional attention
// over the content stream only, relative positions, no segments, no memory.
#include <cmath>

#include "torch_encoder.h"

namespace bertology::model {
namespace {

struct XLNetLayer {
  // q, k, v, r: [d_model, heads·head_size]; o: [d_model, heads·head_size], used transposed.
  torch::Tensor query, key, value, output, position;
  torch::Tensor content_bias;   // r_w_bias [heads, head_size]
  torch::Tensor position_bias;  // r_r_bias [heads, head_size]
  LayerNorm attention_norm;
  Linear feed_forward_in, feed_forward_out;
  LayerNorm feed_forward_norm;
};

class XLNetEncoder final : public TorchEncoder {
 public:
  XLNetEncoder(EncoderSetup setup, SafetensorsReader& weights)
      : TorchEncoder(setup, setup.config.vocab_size), gelu_(setup.config.gelu), clamp_len_(setup.config.clamp_len) {
    const ModelConfig& config = setup.config;
    // A granule's scores peak at the content term plus the position term over 2T - 1 distances.
    score_buffers_ = 3;
    WeightLoader load = loader(weights, config.layer_norm_eps);
    word_embedding_ = load.tensor(XLNetNames::word_embedding);
    const std::int64_t model = config.hidden;
    for (int index = 0; index < config.layers; ++index) {
      const XLNetNames names = xlnet_layer_names(index);
      const auto projection = [&](const std::string& name) { return load.tensor(name).view({model, -1}); };
      layers_.push_back({projection(names.query), projection(names.key), projection(names.value),
                         projection(names.output), projection(names.position), load.tensor(names.content_bias),
                         load.tensor(names.position_bias), load.layer_norm(names.attention_norm),
                         load.linear(names.feed_forward_in), load.linear(names.feed_forward_out),
                         load.layer_norm(names.feed_forward_norm)});
    }
  }

 private:
  // Sinusoids of the relative distances r = T-1, T-2, …, -(T-1) (query minus key), as
  // XLNet's relative_positional_encoding: [sin(r·f), cos(r·f)] with f_k = 1/10000^(2k/d).
  torch::Tensor relative_encoding(std::int64_t tokens, const torch::Device& device) const {
    const auto floats = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    const double model = double(info_.hidden);
    const auto frequencies = 1.0 / torch::pow(10000.0, torch::arange(0.0, model, 2.0, floats) / model);
    auto distances = torch::arange(double(tokens - 1), double(-tokens), -1.0, floats);
    if (clamp_len_ > 0) distances = distances.clamp(-clamp_len_, clamp_len_);
    const auto angles = torch::outer(distances, frequencies);
    return torch::cat({torch::sin(angles), torch::cos(angles)}, -1);
  }

  // position_scores[b, n, i, p] scores query row i of a block starting at token `first_query`
  // against distance index p (distance T-1-p); the pair (first_query + i, j) needs distance
  // first_query + i - j, index T-1-first_query-i+j: row i is the window starting there, which a
  // strided view reads without copying ([q, 2T-1] rows step back by one).
  static torch::Tensor pair_by_distance(const torch::Tensor& position_scores, std::int64_t first_query) {
    const std::int64_t rows = position_scores.size(0), heads = position_scores.size(1),
                       queries = position_scores.size(2);
    const std::int64_t distances = position_scores.size(3);  // 2T - 1
    const std::int64_t tokens = (distances + 1) / 2;
    return position_scores.as_strided({rows, heads, queries, tokens},
                                      {heads * queries * distances, queries * distances, distances - 1, 1},
                                      position_scores.storage_offset() + tokens - 1 - first_query);
  }

  void encode(const Pass& pass) const override {
    const std::int64_t rows = pass.batch.batch;
    const std::int64_t tokens = pass.batch.tokens;
    const std::int64_t heads = info_.heads;
    const std::int64_t head_size = info_.hidden / info_.heads;
    const double scale = 1.0 / std::sqrt(double(head_size));

    torch::Tensor h = torch::embedding(word_embedding_, pass.ids);
    const torch::Tensor positions = relative_encoding(tokens, pass.ids.device());
    const auto split_heads = [&](const torch::Tensor& t) {
      return t.view({rows, tokens, heads, head_size}).transpose(1, 2);
    };
    for (std::size_t index = 0; index < layers_.size(); ++index) {
      const XLNetLayer& layer = layers_[index];
      const bool last = index + 1 == layers_.size();
      const auto query = split_heads(torch::matmul(h, layer.query));  // [B, n, T, d]
      const auto key_transposed = split_heads(torch::matmul(h, layer.key)).transpose(-1, -2);
      const auto position_keys =
          torch::matmul(positions, layer.position).view({-1, heads, head_size}).permute({1, 2, 0});
      const auto content_query = query + layer.content_bias.unsqueeze(1);
      const auto position_query = query + layer.position_bias.unsqueeze(1);
      const torch::Tensor context = attend(
          pass, int(index),
          [&](std::int64_t begin, std::int64_t end, torch::Tensor& scores) {
            matmul_into(scores, content_query.slice(2, begin, end), key_transposed);
            scores.add_(pair_by_distance(torch::matmul(position_query.slice(2, begin, end), position_keys).contiguous(),
                                         begin));
            scores.mul_(scale);
          },
          last ? torch::Tensor() : split_heads(torch::matmul(h, layer.value)));
      if (last) break;
      const auto attended = context.transpose(1, 2).reshape({rows, tokens, heads * head_size});
      h = layer.attention_norm(torch::matmul(attended, layer.output.t()) + h);
      h = layer.feed_forward_norm(h + layer.feed_forward_out(gelu(layer.feed_forward_in(h), gelu_)));
    }
  }

  GeluForm gelu_;
  int clamp_len_;
  torch::Tensor word_embedding_;
  std::vector<XLNetLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> make_xlnet_encoder(EncoderSetup setup, SafetensorsReader& weights) {
  return build_encoder<XLNetEncoder>(std::move(setup), weights);
}

}  // namespace bertology::model

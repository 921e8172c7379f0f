// The post-LayerNorm BERT encoder of TAPE bert-base and ProtBert, and ALBERT (ProtAlbert):
// the same layer, which ALBERT shares across depth and feeds from factorised embeddings.
#include <cmath>

#include "torch_encoder.h"

namespace bertology::model {
namespace {

struct PostNormLayer {
  Linear query, key, value, attention_output;
  LayerNorm attention_norm;
  Linear intermediate, output;
  LayerNorm output_norm;
};

class BertFamilyEncoder final : public TorchEncoder {
 public:
  BertFamilyEncoder(EncoderSetup setup, SafetensorsReader& weights)
      : TorchEncoder(setup, setup.config.vocab_size), gelu_(setup.config.gelu) {
    const ModelConfig& config = setup.config;
    WeightLoader load = loader(weights, config.layer_norm_eps);
    const BertEmbeddingNames embedding = bert_embedding_names(info_.architecture);
    word_embeddings_ = load.tensor(embedding.word);
    position_embeddings_ = load.tensor(embedding.position);
    token_type_embedding_ = load.tensor(embedding.token_type)[0];
    embedding_norm_ = load.layer_norm(embedding.norm);
    const auto load_layer = [&](const PostNormLayerNames& names) {
      layers_.push_back({load.linear(names.query), load.linear(names.key), load.linear(names.value),
                         load.linear(names.attention_output), load.layer_norm(names.attention_norm),
                         load.linear(names.intermediate), load.linear(names.output),
                         load.layer_norm(names.output_norm)});
    };
    if (info_.architecture != Architecture::prot_albert) {
      for (int layer = 0; layer < config.layers; ++layer) {
        load_layer(bert_layer_names(layer));
        schedule_.push_back(layer);
      }
      return;
    }
    // HF ALBERT: application i of num_hidden_layers runs group i / (layers / groups), which runs
    // its inner_group_num layers in turn; every layer run gives one attention map.
    embedding_to_hidden_ = load.linear(embedding.to_hidden);
    for (int group = 0; group < config.hidden_groups; ++group)
      for (int inner = 0; inner < config.inner_group_num; ++inner) load_layer(albert_layer_names(group, inner));
    const int applications_per_group = config.layers / config.hidden_groups;
    for (int application = 0; application < config.layers; ++application) {
      const int group = application / applications_per_group;
      for (int inner = 0; inner < config.inner_group_num; ++inner)
        schedule_.push_back(group * config.inner_group_num + inner);
    }
  }

 private:
  void encode(const Pass& pass) const override {
    const std::int64_t rows = pass.batch.batch;
    const std::int64_t tokens = pass.batch.tokens;
    const std::int64_t heads = info_.heads;
    const std::int64_t head_size = info_.hidden / info_.heads;
    const double score_scale = std::sqrt(double(head_size));

    torch::Tensor x = embedding_norm_(torch::embedding(word_embeddings_, pass.ids) +
                                      position_embeddings_.slice(0, 0, tokens) + token_type_embedding_);
    if (embedding_to_hidden_.weight.defined()) x = embedding_to_hidden_(x);

    const auto split_heads = [&](const torch::Tensor& t) {
      return t.view({rows, tokens, heads, head_size}).transpose(1, 2);
    };
    for (std::size_t index = 0; index < schedule_.size(); ++index) {
      const PostNormLayer& layer = layers_[std::size_t(schedule_[index])];
      const bool last = index + 1 == schedule_.size();
      const torch::Tensor query = split_heads(layer.query(x));
      const torch::Tensor key_transposed = split_heads(layer.key(x)).transpose(-1, -2);
      // The last layer's output feeds no attention map, so its context is not computed.
      const torch::Tensor context = attend(
          pass, int(index),
          [&](std::int64_t begin, std::int64_t end, torch::Tensor& scores) {
            matmul_into(scores, query.slice(2, begin, end), key_transposed);
            scores.div_(score_scale);
          },
          last ? torch::Tensor() : split_heads(layer.value(x)));
      if (last) break;
      const torch::Tensor attended = layer.attention_norm(
          x + layer.attention_output(context.transpose(1, 2).reshape({rows, tokens, info_.hidden})));
      x = layer.output_norm(attended + layer.output(gelu(layer.intermediate(attended), gelu_)));
    }
  }

  GeluForm gelu_;
  torch::Tensor word_embeddings_;
  torch::Tensor position_embeddings_;
  torch::Tensor token_type_embedding_;  // row 0: every layout is fed token type 0 only
  LayerNorm embedding_norm_;
  Linear embedding_to_hidden_;  // ALBERT's E → hidden; undefined for BERT
  std::vector<PostNormLayer> layers_;
  std::vector<int> schedule_;  // the layer run at each depth, one map each
};

}  // namespace

std::unique_ptr<Model> make_bert_encoder(EncoderSetup setup, SafetensorsReader& weights) {
  return build_encoder<BertFamilyEncoder>(std::move(setup), weights);
}

}  // namespace bertology::model

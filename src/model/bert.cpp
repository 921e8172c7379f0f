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
    const bool albert = info_.architecture == Architecture::prot_albert;
    const std::string embeddings = albert ? "albert.embeddings." : "bert.embeddings.";
    word_embeddings_ = load.tensor(embeddings + "word_embeddings.weight");
    position_embeddings_ = load.tensor(embeddings + "position_embeddings.weight");
    token_type_embedding_ = load.tensor(embeddings + "token_type_embeddings.weight")[0];
    embedding_norm_ = load.layer_norm(embeddings + "LayerNorm");
    if (albert) {
      embedding_to_hidden_ = load.linear("albert.encoder.embedding_hidden_mapping_in");
      load_albert_layers(load, config);
    } else {
      for (int layer = 0; layer < config.layers; ++layer) {
        const std::string prefix = "bert.encoder.layer." + std::to_string(layer) + ".";
        layers_.push_back({load.linear(prefix + "attention.self.query"), load.linear(prefix + "attention.self.key"),
                           load.linear(prefix + "attention.self.value"), load.linear(prefix + "attention.output.dense"),
                           load.layer_norm(prefix + "attention.output.LayerNorm"),
                           load.linear(prefix + "intermediate.dense"), load.linear(prefix + "output.dense"),
                           load.layer_norm(prefix + "output.LayerNorm")});
        schedule_.push_back(layer);
      }
    }
  }

 private:
  // HF ALBERT: application i of num_hidden_layers runs group i / (layers / groups), which runs
  // its inner_group_num layers in turn; every layer run gives one attention map.
  void load_albert_layers(WeightLoader& load, const ModelConfig& config) {
    for (int group = 0; group < config.hidden_groups; ++group) {
      for (int inner = 0; inner < config.inner_group_num; ++inner) {
        const std::string prefix = "albert.encoder.albert_layer_groups." + std::to_string(group) + ".albert_layers." +
                                   std::to_string(inner) + ".";
        layers_.push_back({load.linear(prefix + "attention.query"), load.linear(prefix + "attention.key"),
                           load.linear(prefix + "attention.value"), load.linear(prefix + "attention.dense"),
                           load.layer_norm(prefix + "attention.LayerNorm"), load.linear(prefix + "ffn"),
                           load.linear(prefix + "ffn_output"), load.layer_norm(prefix + "full_layer_layer_norm")});
      }
    }
    const int applications_per_group = config.layers / config.hidden_groups;
    for (int application = 0; application < config.layers; ++application) {
      const int group = application / applications_per_group;
      for (int inner = 0; inner < config.inner_group_num; ++inner)
        schedule_.push_back(group * config.inner_group_num + inner);
    }
  }

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
      const torch::Tensor context =
          attend(
              pass, int(index),
              [&](std::int64_t begin, std::int64_t end) {
                return torch::matmul(query.slice(2, begin, end), key_transposed).div_(score_scale);
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

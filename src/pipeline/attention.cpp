// `bertology attention`: every layer's full attention maps for one sequence — the probe that
// checks a model against its reference implementation.
#include <filesystem>

#include "bertology/error.h"
#include "bertology/io/hdf5.h"
#include "bertology/io/result_file.h"
#include "bertology/model/model.h"
#include "bertology/pipeline/commands.h"
#include "bertology/version.h"

namespace bertology::pipeline {

void attention(const AttentionConfig& config) {
  require(!config.output.empty(), "no output file given (-o)");
  require(config.force || !std::filesystem::exists(config.output), "output exists; use --force to overwrite it",
          ErrorContext{config.output});
  require(config.sequence.empty() != config.input_ids.empty(), "give exactly one of --sequence and --input-ids");
  model::LoadOptions load;
  load.directory = config.model;
  if (!config.architecture.empty()) load.architecture = model::parse_architecture(config.architecture);
  load.device = model::choose_device(0);
  load.threads = config.threads;
  load.precision = model::parse_precision(config.precision);
  auto model = model::load_model(load);
  const model::ModelInfo& info = model->info();

  model::TokenBatch batch;
  batch.ids = config.input_ids.empty() ? model->tokenizer().encode(config.sequence) : config.input_ids;
  batch.batch = 1;
  batch.tokens = static_cast<std::int64_t>(batch.ids.size());
  batch.lengths = {batch.tokens};
  require(batch.tokens <= info.max_positions, std::to_string(batch.tokens) + " tokens exceed the model's " +
                                                  std::to_string(info.max_positions) + " positions");

  const auto tokens = static_cast<std::size_t>(batch.tokens);
  const std::size_t per_layer = static_cast<std::size_t>(info.heads) * tokens * tokens;
  std::vector<float> maps(static_cast<std::size_t>(info.layers) * per_layer);
  int layers_seen = 0;
  model->forward(batch, [&](int layer, const model::AttentionMaps& attention) {
    require(attention.device.kind == model::DeviceKind::cpu, "attention probe runs on the CPU only");
    std::copy(attention.data, attention.data + per_layer,
              maps.begin() + static_cast<std::ptrdiff_t>(layer * per_layer));
    ++layers_seen;
  });
  require(layers_seen == info.layers, "the model reported fewer layers than its config");

  io::write_atomically(config.output, [&](const io::File& file) {
    io::write_dataset(file, "input_ids", {tokens}, batch.ids.data());
    io::write_dataset(file, "attentions",
                      {static_cast<hsize_t>(info.layers), static_cast<hsize_t>(info.heads), tokens, tokens},
                      maps.data());
    io::write_attribute(file, "attentions", "axes", std::string("layer, head, query, key"));
    io::write_attribute(file, "/", "model", std::filesystem::absolute(config.model).string());
    io::write_attribute(file, "/", "architecture", model::architecture_name(info.architecture));
    io::write_attribute(file, "/", "weights_sha256", info.weights_sha256);
    io::write_attribute(file, "/", "version", std::string(kVersion));
    if (!config.sequence.empty()) io::write_attribute(file, "/", "sequence", config.sequence);
  });
}

}  // namespace bertology::pipeline

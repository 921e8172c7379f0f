// `bertology attention`: every layer's full attention maps for one sequence — the probe that
// checks a model against its reference implementation.
#include <algorithm>
#include <filesystem>

#include "bertology/analysis/runtime.h"
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
  require(config.attention_memory > 0, "--attention-memory must be more than 0 bytes");
  model::LoadOptions load;
  load.directory = config.model;
  if (!config.architecture.empty()) load.architecture = model::parse_architecture(config.architecture);
  load.device = config.device;
  load.threads = config.threads;
  load.precision = model::parse_precision(config.precision);
  load.attention_memory = config.attention_memory;
  auto model = model::load_model(load);
  const model::ModelInfo& info = model->info();

  model::TokenBatch batch;
  batch.ids = config.input_ids.empty() ? model->tokenizer().encode(config.sequence) : config.input_ids;
  batch.batch = 1;
  batch.tokens = static_cast<std::int64_t>(batch.ids.size());
  batch.lengths = {batch.tokens};
  require(
      info.max_positions == 0 || batch.tokens <= info.max_positions,
      std::to_string(batch.tokens) + " tokens exceed the model's " + std::to_string(info.max_positions) + " positions");

  // Each block of query rows goes to the file as it comes: memory holds one block, not the maps.
  const auto tokens = static_cast<hsize_t>(batch.tokens);
  const auto heads = static_cast<hsize_t>(info.heads);
  io::write_atomically(config.output, [&](const io::File& file) {
    io::write_dataset(file, "input_ids", {tokens}, batch.ids.data());
    io::create_dataset<float>(file, "attentions", {static_cast<hsize_t>(info.layers), heads, tokens, tokens});
    std::vector<float> host;
    std::vector<hsize_t> rows_done(static_cast<std::size_t>(info.layers), 0);
    model->forward(batch, [&](int layer, const AttentionMaps& maps) {
      host.resize(static_cast<std::size_t>(maps.heads * maps.queries * maps.tokens));
      analysis::copy_to_host(maps, host.data());
      io::write_block(file, "attentions", {static_cast<hsize_t>(layer), 0, static_cast<hsize_t>(maps.first_query), 0},
                      {1, heads, static_cast<hsize_t>(maps.queries), tokens}, host.data());
      rows_done.at(static_cast<std::size_t>(layer)) += static_cast<hsize_t>(maps.queries);
    });
    require(std::all_of(rows_done.begin(), rows_done.end(), [&](hsize_t rows) { return rows == tokens; }),
            "the model did not hand out every query row of its " + std::to_string(info.layers) + " layers");
    model::check_weights_unchanged(info);
    io::write_attribute(file, "attentions", "axes", std::string("layer, head, query, key"));
    io::write_attribute(file, "/", "model", std::filesystem::absolute(config.model).string());
    io::write_attribute(file, "/", "architecture", model::architecture_name(info.architecture));
    io::write_attribute(file, "/", "weights_sha256", info.weights_sha256);
    io::write_attribute(file, "/", "version", std::string(kVersion));
    io::write_attribute(file, "/", "device", load.device.str());
    io::write_attribute(file, "/", "precision", model::precision_name(load.precision));
    if (!config.sequence.empty()) io::write_attribute(file, "/", "sequence", config.sequence);
  });
}

}  // namespace bertology::pipeline

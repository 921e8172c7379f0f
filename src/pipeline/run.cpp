// `bertology run`: the distributed measurement.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "batch_step.h"
#include "bertology/analysis/head_counter.h"
#include "bertology/analysis/properties.h"
#include "bertology/corpus/corpus_file.h"
#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/io/result_file.h"
#include "bertology/model/model.h"
#include "bertology/parallel/work_plan.h"
#include "bertology/pipeline/commands.h"
#include "bertology/version.h"
#include "progress.h"
#include "provenance.h"
#include "threads.h"

namespace bertology::pipeline {
namespace {

struct Timings {
  double read = 0, plan = 0, forward = 0, analysis = 0, wait = 0, reduce = 0, write = 0;
};

std::vector<std::string> default_properties(const corpus::CorpusMetadata& index) {
  std::vector<std::string> properties;
  if (index.has_coordinates) properties.push_back("contact");
  for (const auto& schema : index.schemas) properties.push_back(schema.name);
  properties.push_back("aa");
  return properties;
}

// Seconds per batch = rows × (a·T + b·T²), fitted from forwards of one row at the plan's
// shortest and longest padded lengths, each timed twice after a warm-up (the best time: the
// first forward of a shape pays for allocations the run pays once).
parallel::CostModel measure_cost(model::Model& model, const parallel::Batch& shortest, const parallel::Batch& longest,
                                 const model::ModelInfo& info) {
  const int specials = info.leading_special_tokens + info.trailing_special_tokens;
  auto seconds_per_row = [&](const parallel::Batch& shape) {
    model::TokenBatch batch;
    batch.batch = 1;
    batch.tokens = shape.tokens;
    batch.ids = model.tokenizer().encode(std::string(static_cast<std::size_t>(shape.tokens - specials), 'A'));
    batch.lengths = {shape.tokens};
    double best = 0;
    for (int repeat = 0; repeat < 3; ++repeat) {
      const double start = seconds_now();
      model.forward(batch, [](int, const model::AttentionMaps&) {});
      const double elapsed = seconds_now() - start;
      if (repeat == 1 || (repeat > 1 && elapsed < best)) best = elapsed;
    }
    return best;
  };
  const double t1 = seconds_per_row(shortest);
  const double n1 = static_cast<double>(shortest.tokens), n2 = static_cast<double>(longest.tokens);
  if (longest.tokens == shortest.tokens) return parallel::CostModel{t1 / n1, 0.0};
  const double t2 = seconds_per_row(longest);
  // Solve t = a n + b n² through both points; a negative coefficient means noise: drop it.
  const double b = (t2 / n2 - t1 / n1) / (n2 - n1);
  const double a = t1 / n1 - b * n1;
  if (b < 0) return parallel::CostModel{t2 / n2, 0.0};
  if (a < 0) return parallel::CostModel{0.0, t2 / (n2 * n2)};
  return parallel::CostModel{a, b};
}

io::ResultData make_result(const analysis::Counts& counts) {
  io::ResultData data;
  data.layers = counts.layers;
  data.heads = counts.heads;
  data.thresholds = counts.thresholds;
  data.labels = counts.properties;
  const std::size_t block = static_cast<std::size_t>(counts.layers) * counts.heads * counts.thresholds.size();
  auto slice = [&](std::size_t p) {
    return std::vector<std::int64_t>(counts.head_counts.begin() + p * block,
                                     counts.head_counts.begin() + (p + 1) * block);
  };
  data.counts["above_threshold"] = slice(0);
  for (std::size_t p = 0; p < counts.properties.size(); ++p) {
    data.counts[counts.properties[p]] = slice(p + 1);
    data.background[counts.properties[p]] =
        io::BackgroundRate{counts.background_numerator[p], counts.background_denominator[p]};
  }
  return data;
}

}  // namespace

void run(const RunConfig& config, const parallel::Communicator& comm) {
  const std::string start_time = utc_now();
  const double start = seconds_now();
  Timings timings;
  const bool talk = comm.root() && !config.quiet;

  require(!config.output.empty(), "no output file given (-o)");
  require(config.force || !std::filesystem::exists(config.output), "output exists; use --force to overwrite it",
          ErrorContext{config.output});
  require(config.max_residues >= 1, "--max-residues must be at least 1");
  require(config.contact_atom == "ca" || config.contact_atom == "cb",
          "--contact-atom must be ca or cb, not '" + config.contact_atom + "'");

  const int threads = threads_per_rank(config.threads);
  model::LoadOptions load;
  load.directory = config.model;
  if (!config.architecture.empty()) load.architecture = model::parse_architecture(config.architecture);
  load.device = model::choose_device(comm.node_local_rank());
  load.threads = threads;
  load.precision = model::parse_precision(config.precision);
  auto model = model::load_model(load);
  const model::ModelInfo& info = model->info();

  double phase = seconds_now();
  corpus::CorpusReader reader(config.corpus, comm.get());
  const corpus::CorpusMetadata corpus = reader.read_metadata();
  require(corpus.sequences > 0, "the corpus has no sequences", ErrorContext{config.corpus});
  const bool use_cb = config.contact_atom == "cb";
  require(!use_cb || corpus.has_cb,
          "--contact-atom cb needs Cβ coordinates (/coordinates/cb), which only structure inputs provide",
          ErrorContext{config.corpus});
  const analysis::PropertyPlan properties =
      analysis::plan_properties(config.properties_given ? config.properties : default_properties(corpus),
                                corpus.schemas, corpus.has_coordinates, corpus.letters);

  const int specials = info.leading_special_tokens + info.trailing_special_tokens;
  const std::int64_t cut = std::min<std::int64_t>(config.max_residues, info.max_positions - specials);
  require(cut >= 1, "the model accepts no residues (max_position_embeddings too small)", ErrorContext{config.model});

  // Rank 0 reads the lengths and plans (its cost measurement is timing-dependent); every rank
  // gets the same plan.
  timings.read = seconds_now() - phase;
  phase = seconds_now();
  std::vector<std::int64_t> flat_plan;
  if (comm.root()) {
    std::vector<std::int64_t> tokens = reader.read_lengths();
    for (auto& t : tokens) t = std::min(t, cut) + specials;
    parallel::WorkPlan plan;
    plan.batches = parallel::plan_batches(tokens, {config.batch_size, config.max_tokens});
    parallel::CostModel cost{0.0, 1.0};
    if (comm.size() > 1) {
      cost = measure_cost(*model, plan.batches.back(), plan.batches.front(), info);
      if (talk)
        std::fprintf(stderr, "run: cost model per sequence %.3g s/token + %.3g s/token^2 (measured on rank 0)\n",
                     cost.linear, cost.quadratic);
    }
    plan.shard_begin = parallel::plan_shards(plan.batches, cost, comm.size());
    flat_plan = plan.serialize();
  }
  comm.broadcast(flat_plan);
  const parallel::WorkPlan plan = parallel::WorkPlan::deserialize(flat_plan);
  timings.plan = seconds_now() - phase;
  phase = seconds_now();

  const std::int64_t first_batch = plan.shard_begin[comm.rank()], last_batch = plan.shard_begin[comm.rank() + 1];
  std::vector<std::int64_t> wanted;
  for (std::int64_t b = first_batch; b < last_batch; ++b)
    wanted.insert(wanted.end(), plan.batches[b].records.begin(), plan.batches[b].records.end());
  std::vector<corpus::Record> records = reader.read_records(wanted);
  if (use_cb) {
    // The contact kernel reads `ca`: hand it the Cβ positions instead.
    for (auto& record : records) {
      record.ca = std::move(record.cb);
      record.ca_mask = std::move(record.cb_mask);
    }
  }
  std::map<std::int64_t, const corpus::Record*> record_of;
  for (std::size_t k = 0; k < wanted.size(); ++k) record_of[wanted[k]] = &records[k];
  timings.read += seconds_now() - phase;

  if (talk)
    std::fprintf(stderr, "run: %lld sequences in %zu batches on %d rank(s), %d thread(s) per rank, device %s\n",
                 static_cast<long long>(corpus.sequences), plan.batches.size(), comm.size(), threads,
                 load.device.str().c_str());

  analysis::HeadCounter counter({info.layers, info.heads, config.thresholds}, properties);
  Progress progress("run (rank 0 shard)", static_cast<std::int64_t>(wanted.size()), talk);
  for (std::int64_t b = first_batch; b < last_batch; ++b) {
    std::vector<const corpus::Record*> rows;
    for (std::int64_t record : plan.batches[b].records) rows.push_back(record_of.at(record));
    const StepTimes step = run_batch(*model, counter, rows, plan.batches[b].tokens, cut, config.corpus);
    timings.forward += step.forward;
    timings.analysis += step.analysis;
    progress.advance(static_cast<std::int64_t>(rows.size()));
  }
  progress.finish();

  // Time spent waiting for the slowest rank (load imbalance), kept apart from the reduction.
  phase = seconds_now();
  comm.barrier();
  timings.wait = seconds_now() - phase;

  phase = seconds_now();
  analysis::Counts counts = counter.counts();
  comm.sum(counts.head_counts);
  comm.sum(counts.background_numerator);
  comm.sum(counts.background_denominator);
  std::vector<std::int64_t> totals{counts.sequences, counts.residues};
  comm.sum(totals);
  timings.reduce = seconds_now() - phase;

  phase = seconds_now();
  io::ResultData data = make_result(counts);
  std::string corpus_sha256 = comm.root() ? io::sha256_file(config.corpus) : std::string();
  comm.broadcast(corpus_sha256);
  data.text_attributes = {{"model", std::filesystem::absolute(config.model).string()},
                          {"architecture", model::architecture_name(info.architecture)},
                          {"weights_sha256", info.weights_sha256},
                          {"corpus", std::filesystem::absolute(config.corpus).string()},
                          {"corpus_sha256", corpus_sha256},
                          {"version", kVersion},
                          {"command_line", config.command_line},
                          {"start_time", start_time},
                          {"end_time", utc_now()},
                          {"hostname", parallel::hostname()},
                          {"device", load.device.str()},
                          {"precision", model::precision_name(load.precision)},
                          {"contact_atom", use_cb ? "CB (CA for glycine)" : "CA"},
                          {"properties", join(properties.names(), ",")},
                          {"special_tokens_dropped", "first " + std::to_string(info.leading_special_tokens) +
                                                         ", last " + std::to_string(info.trailing_special_tokens)},
                          {"threshold_rule", "alpha > theta (strict), compared in float32"}};
  if (!info.weights_note.empty()) data.text_attributes["weights_note"] = info.weights_note;
  data.integer_attributes = {{"n_sequences", totals[0]},
                             {"n_residues", totals[1]},
                             {"ranks", comm.size()},
                             {"threads_per_rank", threads},
                             {"max_residues", cut},
                             {"batch_size", config.batch_size},
                             {"n_batches", static_cast<std::int64_t>(plan.batches.size())}};
  const double read_max = comm.max(timings.read), plan_max = comm.max(timings.plan),
               forward_max = comm.max(timings.forward), forward_min = -comm.max(-timings.forward),
               analysis_max = comm.max(timings.analysis), wait_max = comm.max(timings.wait),
               reduce_max = comm.max(timings.reduce);
  data.text_attributes["timings_seconds_max_over_ranks"] =
      "read " + std::to_string(read_max) + ", plan " + std::to_string(plan_max) + ", forward " +
      std::to_string(forward_max) + " (fastest rank " + std::to_string(forward_min) + "), analysis " +
      std::to_string(analysis_max) + ", wait " + std::to_string(wait_max) + ", reduce " + std::to_string(reduce_max);
  io::write_result(config.output, data, comm.get());
  timings.write = seconds_now() - phase;
  const double write_max = comm.max(timings.write);
  const double forward_sum = comm.sum(timings.forward), analysis_sum = comm.sum(timings.analysis);

  if (talk) {
    std::fprintf(
        stderr,
        "run: where the time went (seconds, slowest rank of %d)\n"
        "  read      %9.3f\n  plan      %9.3f   (rank 0: lengths, batches, cost model)\n"
        "  forward   %9.3f   (fastest rank %.3f)\n  analysis  %9.3f   (%.1f%% of forward, summed over ranks)\n"
        "  wait      %9.3f   (for the slowest rank)\n  reduce    %9.3f\n  write     %9.3f\n  total     %9.3f\n",
        comm.size(), read_max, plan_max, forward_max, forward_min, analysis_max,
        forward_sum > 0 ? 100.0 * analysis_sum / forward_sum : 0.0, wait_max, reduce_max, write_max,
        seconds_now() - start);
    std::fprintf(stderr, "run: wrote %s (%lld sequences, %lld residues)\n", config.output.c_str(),
                 static_cast<long long>(totals[0]), static_cast<long long>(totals[1]));
  }
}

}  // namespace bertology::pipeline

// `bertology run`: the distributed measurement, block by block.
//
// Every rank loads the model and opens the corpus read-only on its own (no collective file
// handle exists while a rank can fail alone: one rank's error aborts the job with its message).
// The block costs are estimated from the lengths (no measurement pass), blocks are handed out
// most expensive first from a one-sided counter, each block is read as one hyperslab, batched
// by a pure function of its lengths, counted into a fresh counter and added to the rank state
// only when complete. The state is checkpointed every few minutes and on SIGTERM/SIGUSR1;
// `--resume` does only the missing blocks, at any number of ranks, with bit-identical counts.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>

#include "batch_step.h"
#include "bertology/analysis/contact_precision.h"
#include "bertology/analysis/head_counter.h"
#include "bertology/analysis/properties.h"
#include "bertology/corpus/corpus_file.h"
#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/io/result_file.h"
#include "bertology/model/model.h"
#include "bertology/parallel/schedule.h"
#include "bertology/pipeline/commands.h"
#include "bertology/version.h"
#include "blocks.h"
#include "fault.h"
#include "progress.h"
#include "provenance.h"
#include "rank_state.h"
#include "threads.h"

namespace fs = std::filesystem;

namespace bertology::pipeline {
namespace {

volatile std::sig_atomic_t stop_signal = 0;
extern "C" void request_stop(int signal) { stop_signal = signal; }

// SIGTERM (srun, scancel, SLURM's --signal) and SIGUSR1 (forwarded by mpirun) ask the run to
// save its state and stop after the current batch; the handlers live as long as the run.
class StopSignals {
 public:
  StopSignals() {
    stop_signal = 0;
    previous_term_ = std::signal(SIGTERM, request_stop);
    previous_usr1_ = std::signal(SIGUSR1, request_stop);
  }
  ~StopSignals() {
    std::signal(SIGTERM, previous_term_);
    std::signal(SIGUSR1, previous_usr1_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  void (*previous_term_)(int);
  void (*previous_usr1_)(int);
};

struct Timings {
  double load = 0, plan = 0, read = 0, forward = 0, analysis = 0, checkpoint = 0, wait = 0, reduce = 0, write = 0;
  double busy() const { return read + forward + analysis; }
};

std::vector<std::string> default_properties(const corpus::CorpusMetadata& index) {
  std::vector<std::string> properties;
  if (index.has_coordinates) properties.push_back("contact");
  for (const auto& schema : index.schemas) properties.push_back(schema.name);
  properties.push_back("aa");
  return properties;
}

// A file can be created in `directory` (probed with a hidden file, removed at once).
void require_writable(const fs::path& directory) {
  require(fs::is_directory(directory), "the directory does not exist", ErrorContext{directory.string()});
  const fs::path probe = directory / (".bertology-probe-" + std::to_string(static_cast<long>(getpid())));
  {
    std::ofstream file(probe);
    require(static_cast<bool>(file << "probe"), "cannot write in this directory", ErrorContext{directory.string()});
  }
  fs::remove(probe);
}

// Fails before any work when the output or a checkpoint could not be written. The checkpoint
// directory itself is only made by the first save, so a run that fails early leaves nothing.
void check_writable(const std::string& output, const std::string& checkpoints) {
  require_writable(fs::absolute(output).parent_path());
  const fs::path directory = fs::absolute(checkpoints);
  require_writable(fs::exists(directory) ? directory : directory.parent_path());
}

io::ResultData make_result(const analysis::Counts& counts) {
  io::ResultData data;
  data.layers = counts.layers;
  data.heads = counts.heads;
  data.thresholds = counts.thresholds;
  data.labels = counts.properties;
  const std::size_t block = counts.row_size();
  const auto row = [&](int r) {
    return std::vector<std::int64_t>(counts.head_counts.begin() + r * block,
                                     counts.head_counts.begin() + (r + 1) * block);
  };
  const auto null_rows = [&](int observed_row) {
    std::vector<std::int64_t> values;
    for (int k = 0; k < counts.null_permutations; ++k) {
      const auto part = row(counts.null_row(k, observed_row));
      values.insert(values.end(), part.begin(), part.end());
    }
    return values;
  };
  data.counts["above_threshold"] = row(0);
  data.null_permutations = counts.null_permutations;
  for (int p = 0; p < static_cast<int>(counts.properties.size()); ++p) {
    const std::string& name = counts.properties[p];
    data.counts[name] = row(counts.property_row(p));
    data.background[name] = io::BackgroundRate{counts.background_numerator[p], counts.background_denominator[p]};
    if (counts.denominators[p] >= 0) data.denominator_label[name] = counts.known_labels[counts.denominators[p]];
    if (counts.null_permutations > 0) data.null_counts[name] = null_rows(counts.property_row(p));
  }
  for (int d = 0; d < static_cast<int>(counts.known_labels.size()); ++d) {
    data.known_counts[counts.known_labels[d]] = row(counts.known_row(d));
    if (counts.null_permutations > 0) data.null_known_counts[counts.known_labels[d]] = null_rows(counts.known_row(d));
  }
  const analysis::PrecisionCounts& precision = counts.precision;
  if (precision.layers > 0) {
    const std::size_t heads = static_cast<std::size_t>(precision.layers) * precision.heads;
    for (std::size_t c = 0; c < analysis::PrecisionCounts::cuts().size(); ++c) {
      const std::string& cut = analysis::PrecisionCounts::cuts()[c];
      data.precision_cuts.push_back(cut);
      data.precision_selected[cut].assign(precision.selected.begin() + c * heads,
                                          precision.selected.begin() + (c + 1) * heads);
      data.precision_contacts[cut].assign(precision.contacts.begin() + c * heads,
                                          precision.contacts.begin() + (c + 1) * heads);
    }
    data.precision_sequences = precision.sequences;
  }
  return data;
}

void add_groups(io::ResultData& data, const std::vector<analysis::Counts>& groups) {
  data.groups = static_cast<std::int64_t>(groups.size());
  for (const auto& group : groups) {
    const io::ResultData part = make_result(group);
    for (const auto& [label, values] : part.counts)
      data.group_counts[label].insert(data.group_counts[label].end(), values.begin(), values.end());
    for (const auto& [label, rate] : part.background) data.group_background[label].push_back(rate);
    for (const auto& [label, values] : part.known_counts)
      data.group_known_counts[label].insert(data.group_known_counts[label].end(), values.begin(), values.end());
    data.group_sequences.push_back(group.sequences);
  }
}

// Sums every rank's counts (integers: exact in any order) into `counts` on every rank.
void reduce(analysis::Counts& counts, const parallel::Communicator& comm) {
  comm.sum(counts.head_counts);
  comm.sum(counts.background_numerator);
  comm.sum(counts.background_denominator);
  std::vector<std::int64_t> totals{counts.sequences, counts.residues};
  comm.sum(totals);
  counts.sequences = totals[0];
  counts.residues = totals[1];
  if (counts.precision.layers > 0) {
    comm.sum(counts.precision.selected);
    comm.sum(counts.precision.contacts);
    std::vector<std::int64_t> sequences{counts.precision.sequences};
    comm.sum(sequences);
    counts.precision.sequences = sequences[0];
  }
}

std::string gibibytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g GiB", static_cast<double>(bytes) / (1ull << 30));
  return text;
}

std::string number_list(const std::vector<double>& values) {
  std::string text;
  for (double v : values) {
    char item[32];
    std::snprintf(item, sizeof item, "%.17g", v);
    text += (text.empty() ? "" : ",") + std::string(item);
  }
  return text;
}

}  // namespace

RunOutcome run(const RunConfig& config, const parallel::Communicator& comm) {
  const std::string start_time = utc_now();
  const double start = seconds_now();
  // From here a stop request is kept and honoured before the first block.
  const StopSignals signals;
  Timings timings;
  const bool talk = comm.root() && !config.quiet;
  const int rank = comm.rank();

  // Everything that can be checked without the model or the corpus, on every rank alike.
  require(!config.output.empty(), "no output file given (-o)");
  require(config.force || !fs::exists(config.output), "output exists; use --force to overwrite it",
          ErrorContext{config.output});
  require(config.max_residues >= 0, "--max-residues must not be negative");
  require(config.attention_memory > 0, "--attention-memory must be more than 0 bytes");
  require(config.contact_atom == "ca" || config.contact_atom == "cb",
          "--contact-atom must be ca or cb, not '" + config.contact_atom + "'");
  require(config.batch_size >= 0 && config.max_tokens >= 0, "--batch-size and --max-tokens must not be negative");
  require(config.groups >= 0, "--groups must not be negative");
  require(config.null_permutations >= 0, "--null must not be negative");
  require(config.contact_precision == "auto" || config.contact_precision == "on" || config.contact_precision == "off",
          "--contact-precision must be auto, on or off, not '" + config.contact_precision + "'");
  require(config.checkpoint_interval >= 0, "--checkpoint-interval must not be negative");
  analysis::validate_thresholds(config.thresholds);
  const std::string checkpoint_directory =
      config.checkpoint_directory.empty() ? config.output + ".checkpoint" : config.checkpoint_directory;
  if (comm.root()) check_writable(config.output, checkpoint_directory);
  comm.barrier();

  // The model: every rank loads it; rank 0 alone hashes the weights.
  const int threads = threads_per_rank(config.threads);
  model::LoadOptions load;
  load.directory = config.model;
  if (!config.architecture.empty()) load.architecture = model::parse_architecture(config.architecture);
  load.device = config.device;
  load.threads = threads;
  load.precision = model::parse_precision(config.precision);
  load.hash_weights = comm.root();
  load.attention_memory = config.attention_memory;
  fault_point("load", rank);
  auto model = model::load_model(load);
  const model::ModelInfo& info = model->info();
  std::string weights_sha256 = info.weights_sha256;
  comm.broadcast(weights_sha256);
  timings.load = seconds_now() - start;

  double phase = seconds_now();
  const corpus::CorpusReader reader(config.corpus);
  const corpus::CorpusMetadata corpus = reader.read_metadata();
  require(corpus.sequences > 0, "the corpus has no sequences", ErrorContext{config.corpus});
  const bool use_cb = config.contact_atom == "cb";
  require(!use_cb || corpus.has_cb,
          "--contact-atom cb needs Cβ coordinates (/coordinates/cb), which only structure inputs provide",
          ErrorContext{config.corpus});
  analysis::PropertyPlan properties =
      analysis::plan_properties(config.properties_given ? config.properties : default_properties(corpus),
                                corpus.schemas, corpus.has_coordinates, corpus.letters);
  properties.null_permutations = config.null_permutations;
  properties.null_seed = config.null_seed;
  const bool host_attention = load.device.kind == DeviceKind::cpu;
  require(config.contact_precision != "on" || corpus.has_coordinates,
          "--contact-precision on needs coordinates, and this corpus has none", ErrorContext{config.corpus});
  require(config.contact_precision != "on" || host_attention,
          "--contact-precision on ranks pairs on the host, and the attention is on " + load.device.str());
  std::string corpus_sha256 = corpus.content_sha256;
  if (corpus_sha256.empty()) {
    // A corpus from before stored checksums: hash the file once.
    if (comm.root()) corpus_sha256 = io::sha256_file(config.corpus);
    comm.broadcast(corpus_sha256);
  }

  BlockBatching batching;
  batching.special_tokens = info.leading_special_tokens + info.trailing_special_tokens;
  batching.cut = residue_cut(config.max_residues, info);
  const bool gpu = load.device.kind != DeviceKind::cpu;
  batching.batching.max_batch_size = config.batch_size > 0 ? config.batch_size : (gpu ? 16 : 1);
  batching.batching.max_tokens = config.batch_size > 0 || !gpu ? config.max_tokens : 16384;

  // Contact precision corrects each head's whole map: it needs the largest batch's layers whole.
  const std::int64_t longest_row = batching.cut + batching.special_tokens;
  const std::int64_t largest_batch =
      batching.batching.max_tokens > 0 ? std::max<std::int64_t>(1, std::min(batching.batching.max_batch_size,
                                                                            batching.batching.max_tokens / longest_row))
                                       : batching.batching.max_batch_size;
  const std::int64_t query_block = model->query_block(largest_batch, longest_row);
  const std::string blocked_note = "a batch of " + std::to_string(largest_batch) + " x " + std::to_string(longest_row) +
                                   " tokens comes in blocks of " + std::to_string(query_block) +
                                   " query rows under --attention-memory " + gibibytes(config.attention_memory);
  require(config.contact_precision != "on" || query_block == longest_row,
          "--contact-precision on needs each layer's whole map, and " + blocked_note);
  const bool contact_precision =
      config.contact_precision != "off" && corpus.has_coordinates && host_attention && query_block == longest_row;
  if (talk && query_block < longest_row)
    std::fprintf(stderr, "run: %s%s\n", blocked_note.c_str(),
                 config.contact_precision == "auto" && corpus.has_coordinates
                     ? "; per-head contact precision needs whole maps and is left out"
                     : "");

  const analysis::CounterShape shape{info.layers, info.heads, config.thresholds};
  analysis::Counts no_counts(info.layers, info.heads, config.thresholds, properties);
  if (contact_precision) no_counts.precision = analysis::PrecisionCounts(info.layers, info.heads);
  const std::int64_t blocks = corpus.blocks();
  const RunFingerprint fingerprint{
      {"corpus_sha256", corpus_sha256},
      {"weights_sha256", weights_sha256},
      {"architecture", model::architecture_name(info.architecture)},
      {"thresholds", number_list(config.thresholds)},
      {"properties", join(properties.names(), ",")},
      {"max_residues", std::to_string(batching.cut)},
      {"contact_atom", config.contact_atom},
      {"batch_size", std::to_string(batching.batching.max_batch_size)},
      {"max_tokens", std::to_string(batching.batching.max_tokens)},
      {"block_size", std::to_string(corpus.block_size)},
      {"blocks", std::to_string(blocks)},
      {"groups", std::to_string(config.groups)},
      {"null", std::to_string(config.null_permutations) + " permutations, seed " + std::to_string(config.null_seed)},
      {"contact_precision", contact_precision ? "yes" : "no"},
      {"threads_per_rank", std::to_string(threads)},
      {"precision", model::precision_name(load.precision)}};

  // The order of blocks, from their estimated cost (the same vector on every rank).
  fault_point("plan", rank);
  const BlockEstimate estimate =
      estimate_blocks(reader, corpus, batching, parallel::CostModel{static_cast<double>(info.hidden)}, comm);
  const std::vector<std::int64_t> order = parallel::expensive_first(estimate.costs);
  if (talk && estimate.records_cut > 0)
    std::fprintf(stderr,
                 "run: %lld of %lld sequences are longer than the cut of %lld residues (the longest has %lld): "
                 "their C-terminal ends are not analysed (--max-residues; n_sequences_cut in the result)\n",
                 static_cast<long long>(estimate.records_cut), static_cast<long long>(corpus.sequences),
                 static_cast<long long>(batching.cut), static_cast<long long>(estimate.longest));

  // Rank 0 takes over what earlier attempts did and, on a resume, saves it as this attempt's
  // first state (which makes the attempt the one a later resume starts from).
  const CheckpointStore store(checkpoint_directory);
  const RankState empty_state(no_counts, config.groups);
  RankState state = empty_state;
  std::vector<std::int64_t> attempt_and_done{0};
  if (comm.root()) {
    int attempt = 0;
    if (config.resume) {
      const int latest = store.latest_attempt();
      if (latest >= 0) {
        state = store.load(latest, empty_state, fingerprint);
        attempt = latest + 1;
      } else if (talk) {
        std::fprintf(stderr, "run: --resume: no checkpoint in %s, starting from the beginning\n",
                     checkpoint_directory.c_str());
      }
    } else if (!store.empty()) {
      require(config.force, "a checkpoint of an interrupted run is here: --resume continues it, --force starts over",
              ErrorContext{checkpoint_directory});
      store.remove_all();
    }
    if (attempt > 0) {
      store.save(attempt, 0, state, fingerprint);
      store.remove_attempts_before(attempt);
    }
    attempt_and_done = {attempt};
    attempt_and_done.insert(attempt_and_done.end(), state.blocks_done.begin(), state.blocks_done.end());
  }
  comm.broadcast(attempt_and_done);
  const int attempt = static_cast<int>(attempt_and_done.front());
  std::vector<char> done_before(static_cast<std::size_t>(blocks), 0);
  for (std::size_t k = 1; k < attempt_and_done.size(); ++k) {
    const std::int64_t block = attempt_and_done[k];
    require(block >= 0 && block < blocks,
            "checkpoint names block " + std::to_string(block) + " of " + std::to_string(blocks),
            ErrorContext{checkpoint_directory});
    done_before[static_cast<std::size_t>(block)] = 1;
  }
  std::vector<std::int64_t> todo;
  for (std::int64_t block : order)
    if (!done_before[static_cast<std::size_t>(block)]) todo.push_back(block);
  const auto remaining = static_cast<std::int64_t>(todo.size());
  timings.plan = seconds_now() - phase;

  if (talk) {
    std::fprintf(stderr,
                 "run: %lld sequences in %lld blocks of %lld%s on %d rank(s), %d thread(s) per rank, device %s, "
                 "batches of up to %lld sequences%s\n",
                 static_cast<long long>(corpus.sequences), static_cast<long long>(blocks),
                 static_cast<long long>(corpus.block_size), corpus.block_size_stored ? "" : " (default)", comm.size(),
                 threads, load.device.str().c_str(), static_cast<long long>(batching.batching.max_batch_size),
                 batching.batching.max_tokens
                     ? (" and " + std::to_string(batching.batching.max_tokens) + " tokens").c_str()
                     : "");
    if (attempt > 0)
      std::fprintf(stderr, "run: resuming (attempt %d): %lld of %lld blocks already done\n", attempt,
                   static_cast<long long>(blocks - remaining), static_cast<long long>(blocks));
  }

  // The blocks, taken dynamically.
  bool interrupted = false;
  {
    parallel::SharedCounter counter(comm.get());
    Progress progress("run (blocks handed out)", remaining, talk);
    std::int64_t handed_out = 0;  // what rank 0 last saw of the counter
    double last_save = seconds_now();
    for (std::int64_t position = counter.next(); position < remaining; position = counter.next()) {
      if (stop_signal) {
        interrupted = true;
        break;
      }
      progress.advance(position + 1 - handed_out);
      handed_out = position + 1;
      const std::int64_t block = todo[static_cast<std::size_t>(position)];
      const double block_start = seconds_now();
      fault_point("read", rank);
      // Only the residues the model sees are read (the checksum still covers whole records), so
      // memory does not grow with the longest record. batches() cuts lengths the same way, so
      // cut records batch as whole ones would, and null permutations are seeded by the residues
      // analysed (analysis::null_permutation).
      std::vector<corpus::Record> records = reader.read_block(block, batching.cut);
      if (use_cb) {
        // The contact kernel reads `ca`: hand it the Cβ positions instead.
        for (auto& record : records) {
          record.ca = std::move(record.cb);
          record.ca_mask = std::move(record.cb_mask);
        }
      }
      std::vector<std::int64_t> lengths;
      for (const auto& record : records) lengths.push_back(static_cast<std::int64_t>(record.sequence.size()));
      timings.read += seconds_now() - block_start;

      analysis::HeadCounter counter_of_block(shape, properties);
      std::optional<analysis::ContactPrecision> precision_of_block;
      if (contact_precision) precision_of_block.emplace(info.layers, info.heads);
      for (const parallel::Batch& batch : batching.batches(lengths)) {
        if (stop_signal) break;
        std::vector<const corpus::Record*> rows;
        for (std::int64_t k : batch.records) rows.push_back(&records[static_cast<std::size_t>(k)]);
        fault_point("forward", rank);
        const StepTimes step = run_batch(*model, counter_of_block, precision_of_block ? &*precision_of_block : nullptr,
                                         rows, batch.tokens, batching.cut, config.corpus, rank);
        timings.forward += step.forward;
        timings.analysis += step.analysis;
      }
      if (stop_signal) {  // the block is incomplete: it is left for the resume
        interrupted = true;
        break;
      }
      block_delay();
      analysis::Counts block_counts = counter_of_block.counts();
      if (precision_of_block) block_counts.precision = precision_of_block->counts();
      state.add_block(block, group_of(block, blocks, config.groups), block_counts, seconds_now() - block_start);
      if (config.checkpoint_interval > 0 && seconds_now() - last_save >= config.checkpoint_interval) {
        const double t = seconds_now();
        fault_point("checkpoint", rank);
        model::check_weights_unchanged(model->info());
        store.save(attempt, rank, state, fingerprint);
        last_save = seconds_now();
        timings.checkpoint += last_save - t;
      }
    }
    if (interrupted)
      counter.exhaust(remaining);  // the other ranks stop after their current block
    else
      progress.advance(remaining - handed_out);  // every block is handed out
    progress.finish();
    model::check_weights_unchanged(model->info());

    // Time spent waiting for the slowest rank (load imbalance), kept apart from the reduction.
    phase = seconds_now();
    comm.barrier();
    timings.wait = seconds_now() - phase;
  }

  std::vector<std::int64_t> done_count{static_cast<std::int64_t>(state.blocks_done.size())};
  comm.sum(done_count);
  if (done_count[0] < blocks) {
    const double t = seconds_now();
    store.save(attempt, rank, state, fingerprint);
    timings.checkpoint += seconds_now() - t;
    comm.barrier();
    if (talk)
      std::fprintf(stderr,
                   "run: stopped by signal %d with %lld of %lld blocks done; every rank's state is saved in %s.\n"
                   "run: continue with the same command and --resume (any number of ranks); exit status %d\n",
                   static_cast<int>(stop_signal), static_cast<long long>(done_count[0]), static_cast<long long>(blocks),
                   checkpoint_directory.c_str(), kInterruptedExitStatus);
    return RunOutcome::interrupted;
  }

  phase = seconds_now();
  fault_point("reduce", rank);
  reduce(state.totals, comm);
  for (auto& group : state.groups) reduce(group, comm);
  std::vector<double> block_seconds(static_cast<std::size_t>(blocks), 0.0);
  for (std::size_t k = 0; k < state.blocks_done.size(); ++k)
    block_seconds[static_cast<std::size_t>(state.blocks_done[k])] = state.block_seconds[k];
  comm.sum(block_seconds);
  const std::vector<double> busy = comm.all_gather({timings.busy()});
  const std::vector<double> blocks_by_rank = comm.all_gather({static_cast<double>(state.blocks_done.size())});
  const std::vector<std::string> hostnames = comm.gather(parallel::hostname());
  const std::vector<std::string> devices = comm.gather(load.device.str());
  timings.reduce = seconds_now() - phase;

  // Timings over ranks, gathered before rank 0 writes them.
  const double read_max = comm.max(timings.read), forward_max = comm.max(timings.forward),
               forward_min = -comm.max(-timings.forward), analysis_max = comm.max(timings.analysis),
               wait_max = comm.max(timings.wait), checkpoint_max = comm.max(timings.checkpoint),
               load_max = comm.max(timings.load), plan_max = comm.max(timings.plan);
  const double forward_sum = comm.sum(timings.forward), analysis_sum = comm.sum(timings.analysis);
  const double busy_mean = std::accumulate(busy.begin(), busy.end(), 0.0) / static_cast<double>(busy.size());
  const double busy_max = *std::max_element(busy.begin(), busy.end());

  // Every rank agrees before rank 0 writes: a failure after this point can only be rank 0's
  // own, and it removes its temporary file before the job is aborted.
  phase = seconds_now();
  fault_point("write", rank);
  comm.barrier();
  if (comm.root()) {
    io::ResultData data = make_result(state.totals);
    if (config.groups > 0) add_groups(data, state.groups);
    data.block_seconds = block_seconds;
    data.rank_hostnames = hostnames;
    data.rank_devices = devices;
    data.rank_busy_seconds = busy;
    for (double b : blocks_by_rank) data.rank_blocks.push_back(static_cast<std::int64_t>(b));
    data.text_attributes = {{"model", fs::absolute(config.model).string()},
                            {"architecture", model::architecture_name(info.architecture)},
                            {"weights_sha256", weights_sha256},
                            {"corpus", fs::absolute(config.corpus).string()},
                            {"corpus_sha256", corpus_sha256},
                            {"version", kVersion},
                            {"command_line", config.command_line},
                            {"start_time", start_time},
                            {"end_time", utc_now()},
                            {"hostname", hostnames.front()},
                            {"device", devices.front()},
                            {"precision", model::precision_name(load.precision)},
                            {"contact_atom", use_cb ? "CB (CA for glycine)" : "CA"},
                            {"properties", join(properties.names(), ",")},
                            {"special_tokens_dropped", "first " + std::to_string(info.leading_special_tokens) +
                                                           ", last " + std::to_string(info.trailing_special_tokens)},
                            {"threshold_rule", "alpha > theta (strict), compared in float32"},
                            {"denominators",
                             "a property of a corpus label is a share of the arcs whose key residue's label is "
                             "known (/known/<label>); contact and amino-acid properties, of all arcs above theta"},
                            {"schedule",
                             "blocks of block_size consecutive records, most expensive first, taken "
                             "dynamically; batches by length inside each block"}};
    if (!info.weights_note.empty()) data.text_attributes["weights_note"] = info.weights_note;
    if (attempt > 0) data.text_attributes["resumed"] = "yes: " + std::to_string(attempt + 1) + " attempts";
    data.null_seed = config.null_seed;
    if (contact_precision)
      data.text_attributes["contact_precision_definition"] =
          std::string(corpus.has_cb ? "C-beta (C-alpha for glycine)" : "C-alpha (the corpus has no C-beta)") +
          " closer than 8 A, |i-j| >= 24, both coordinates present; per head the residue map (special tokens "
          "dropped) symmetrised (A + A^T), average-product corrected, top L/5, L/2, L pairs per sequence";
    data.integer_attributes = {{"n_sequences", state.totals.sequences},
                               {"n_residues", state.totals.residues},
                               {"ranks", comm.size()},
                               {"threads_per_rank", threads},
                               {"max_residues", batching.cut},
                               {"n_sequences_cut", estimate.records_cut},
                               {"batch_size", batching.batching.max_batch_size},
                               {"max_tokens", batching.batching.max_tokens},
                               {"block_size", corpus.block_size},
                               {"n_blocks", blocks},
                               {"groups", config.groups},
                               {"null_permutations", config.null_permutations},
                               {"attention_memory_bytes", static_cast<std::int64_t>(config.attention_memory)},
                               {"attempts", attempt + 1}};
    char timing[512];
    std::snprintf(timing, sizeof timing,
                  "load %.3f, plan %.3f, read %.3f, forward %.3f (fastest rank %.3f), analysis %.3f, checkpoint "
                  "%.3f, wait %.3f, reduce %.3f; busy mean %.3f, max %.3f",
                  load_max, plan_max, read_max, forward_max, forward_min, analysis_max, checkpoint_max, wait_max,
                  timings.reduce, busy_mean, busy_max);
    data.text_attributes["timings_seconds_max_over_ranks"] = timing;
    io::write_result(config.output, data);
    store.remove_all();
  }
  comm.barrier();
  timings.write = seconds_now() - phase;

  if (talk) {
    const double total = seconds_now() - start;
    std::fprintf(stderr,
                 "run: where the time went (seconds, slowest rank of %d)\n"
                 "  load      %9.3f   (model; weights hashed once)\n"
                 "  plan      %9.3f   (block costs from lengths, resume)\n"
                 "  read      %9.3f\n"
                 "  forward   %9.3f   (fastest rank %.3f)\n"
                 "  analysis  %9.3f   (%.1f%% of forward, summed over ranks)\n"
                 "  checkpoint%9.3f\n"
                 "  wait      %9.3f   (for the slowest rank)\n"
                 "  reduce    %9.3f\n  write     %9.3f\n  total     %9.3f\n"
                 "run: busy (read + forward + analysis) per rank: mean %.3f, slowest %.3f (%+.1f%%); outside forward + "
                 "analysis: %.1f%% of the wall time\n",
                 comm.size(), load_max, plan_max, read_max, forward_max, forward_min, analysis_max,
                 forward_sum > 0 ? 100.0 * analysis_sum / forward_sum : 0.0, checkpoint_max, wait_max, timings.reduce,
                 timings.write, total, busy_mean, busy_max, busy_mean > 0 ? 100.0 * (busy_max / busy_mean - 1.0) : 0.0,
                 total > 0 ? 100.0 * (total - (forward_max + analysis_max)) / total : 0.0);
    std::fprintf(stderr, "run: wrote %s (%lld sequences, %lld residues)\n", config.output.c_str(),
                 static_cast<long long>(state.totals.sequences), static_cast<long long>(state.totals.residues));
  }
  return RunOutcome::complete;
}

}  // namespace bertology::pipeline

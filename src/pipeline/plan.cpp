// `bertology plan`: what `run` would do with a corpus on N ranks, without running a model.
// Block costs come from the lengths (the estimate `run` orders blocks by) or, given an earlier
// result of the same corpus, from the seconds each block took there.
#include <cstdio>
#include <numeric>
#include <ostream>

#include "bertology/error.h"
#include "bertology/io/result_file.h"
#include "bertology/pipeline/commands.h"
#include "blocks.h"
#include "progress.h"

namespace bertology::pipeline {

void plan(const PlanConfig& config, const parallel::Communicator& comm, std::ostream& out) {
  const double start = seconds_now();
  require(!config.ranks.empty(), "--ranks: give at least one number of ranks");
  for (int ranks : config.ranks) require(ranks >= 1, "--ranks: every number of ranks must be at least 1");
  const corpus::CorpusReader reader(config.corpus);
  const corpus::CorpusMetadata corpus = reader.read_metadata();
  require(corpus.sequences > 0, "the corpus has no sequences", ErrorContext{config.corpus});

  BlockBatching batching;
  batching.cut = config.max_residues;
  batching.special_tokens = config.special_tokens;
  batching.batching = {config.batch_size, config.max_tokens};
  const parallel::CostModel cost{static_cast<double>(config.hidden)};
  const std::vector<double> estimated = estimate_blocks(reader, corpus, batching, cost, comm).costs;
  const std::vector<std::int64_t> order = parallel::expensive_first(estimated);

  std::vector<double> seconds = estimated;
  std::string source = "estimated cost (relative units: rows x T x (6 hidden + T))";
  if (!config.result.empty()) {
    const io::ResultData result = io::read_result(config.result);
    require(result.block_seconds.size() == estimated.size(),
            "the result has " + std::to_string(result.block_seconds.size()) + " block times, the corpus " +
                std::to_string(estimated.size()) + " blocks (another corpus or block size)",
            ErrorContext{config.result});
    seconds = result.block_seconds;
    source = "measured seconds per block from " + config.result;
  }
  const double total = std::accumulate(seconds.begin(), seconds.end(), 0.0);
  if (!comm.root()) return;
  out << "plan: " << config.corpus << ": " << corpus.sequences << " sequences, " << corpus.residues << " residues, "
      << corpus.blocks() << " blocks of " << corpus.block_size << (corpus.block_size_stored ? "" : " (default)") << "\n"
      << "plan: block costs: " << source << "; total " << total << "\n"
      << "plan: blocks taken most expensive first by the first free rank (as `run` does)\n";
  char line[256];
  std::snprintf(line, sizeof line, "%10s %14s %14s %14s %11s\n", "ranks", "time", "mean busy", "slowest", "imbalance");
  out << line;
  for (int ranks : config.ranks) {
    const auto estimate = parallel::simulate_schedule(seconds, order, ranks);
    std::snprintf(line, sizeof line, "%10d %14.6g %14.6g %14.6g %10.2f%%\n", ranks, estimate.makespan,
                  estimate.mean_busy, estimate.max_busy, 100.0 * estimate.imbalance());
    out << line;
  }
  std::snprintf(line, sizeof line, "plan: took %.2f s\n", seconds_now() - start);
  out << line;
}

}  // namespace bertology::pipeline

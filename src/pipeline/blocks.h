#pragma once
// The blocks of a corpus as `run` and `plan` see them: the batches a block is cut into and
// the estimated cost of every block.
#include <cstdint>
#include <vector>

#include "bertology/corpus/corpus_file.h"
#include "bertology/parallel/mpi.h"
#include "bertology/parallel/schedule.h"

namespace bertology::pipeline {

// How records become batches: a pure function of these settings and the block.
struct BlockBatching {
  std::int64_t cut = 510;  // residues kept per record
  int special_tokens = 2;  // added by the tokenizer around the residues
  parallel::BatchingOptions batching;

  std::vector<parallel::Batch> batches(const std::vector<std::int64_t>& residues_per_record) const;
};

// What the lengths of every record say before anything runs; the same on every rank.
struct BlockEstimate {
  std::vector<double> costs;       // estimated cost of every block
  std::int64_t records_cut = 0;    // records longer than the cut (their C-terminal ends are not analysed)
  std::int64_t longest = 0;        // residues of the longest record
};

// The ranks share the work: each reads the lengths of a contiguous share of the blocks, in
// pieces of bounded size.
BlockEstimate estimate_blocks(const corpus::CorpusReader& reader, const corpus::CorpusMetadata& corpus,
                              const BlockBatching& batching, const parallel::CostModel& cost,
                              const parallel::Communicator& comm);

// Group of a block for per-group counts: contiguous runs of blocks, independent of ranks.
inline std::int64_t group_of(std::int64_t block, std::int64_t blocks, std::int64_t groups) {
  return groups > 0 ? block * groups / blocks : 0;
}

}  // namespace bertology::pipeline

#include "blocks.h"

#include <algorithm>

namespace bertology::pipeline {

std::vector<parallel::Batch> BlockBatching::batches(const std::vector<std::int64_t>& residues_per_record) const {
  std::vector<std::int64_t> tokens(residues_per_record.size());
  for (std::size_t r = 0; r < tokens.size(); ++r) tokens[r] = std::min(residues_per_record[r], cut) + special_tokens;
  return parallel::plan_batches(tokens, batching);
}

BlockEstimate estimate_blocks(const corpus::CorpusReader& reader, const corpus::CorpusMetadata& corpus,
                              const BlockBatching& batching, const parallel::CostModel& cost,
                              const parallel::Communicator& comm) {
  const std::int64_t blocks = corpus.blocks();
  const std::int64_t first = blocks * comm.rank() / comm.size(), last = blocks * (comm.rank() + 1) / comm.size();
  // The lengths of about 65,536 records at a time (whole blocks): memory independent of the corpus.
  const std::int64_t blocks_per_piece = std::max<std::int64_t>(1, (std::int64_t{1} << 16) / corpus.block_size);
  std::vector<double> mine;
  mine.reserve(static_cast<std::size_t>(last - first));
  std::vector<std::int64_t> records_cut{0};
  std::int64_t longest = 0;
  for (std::int64_t piece = first; piece < last; piece += blocks_per_piece) {
    const std::int64_t piece_end = std::min(last, piece + blocks_per_piece);
    const std::int64_t record_begin = corpus.block_begin(piece);
    const auto lengths = reader.read_lengths(record_begin, corpus.block_end(piece_end - 1));
    for (std::int64_t block = piece; block < piece_end; ++block) {
      const auto from = lengths.begin() + (corpus.block_begin(block) - record_begin);
      const auto to = lengths.begin() + (corpus.block_end(block) - record_begin);
      mine.push_back(cost.cost(batching.batches(std::vector<std::int64_t>(from, to))));
    }
    for (const std::int64_t length : lengths) {
      records_cut[0] += length > batching.cut;
      longest = std::max(longest, length);
    }
  }
  comm.sum(records_cut);
  return {comm.all_gather(mine), records_cut[0], static_cast<std::int64_t>(comm.max(static_cast<double>(longest)))};
}

}  // namespace bertology::pipeline

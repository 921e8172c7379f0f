// Checkpoints: what a resume reads back is exactly what was saved, from the right attempt, and
// inconsistent checkpoints are refused rather than merged.
#include "rank_state.h"

#include <gtest/gtest.h>
#include <mpi.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "bertology/analysis/properties.h"
#include "bertology/error.h"

namespace fs = std::filesystem;
using namespace bertology;

namespace {

analysis::Counts counts_with(std::int64_t value) {
  analysis::Counts counts(2, 3, {0.1, 0.5}, {"contact", "aa_A"});
  for (std::size_t e = 0; e < counts.head_counts.size(); ++e)
    counts.head_counts[e] = value + static_cast<std::int64_t>(e);
  counts.background_numerator = {value, 2 * value};
  counts.background_denominator = {10 * value, 20 * value};
  counts.sequences = value;
  counts.residues = 7 * value;
  return counts;
}

struct Directory {
  fs::path path;
  Directory() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    path = fs::temp_directory_path() /
           ("bertology_rank_state_" + std::to_string(getpid()) + "_rank" + std::to_string(rank));
    fs::remove_all(path);
  }
  ~Directory() { fs::remove_all(path); }
};

const pipeline::RunFingerprint kSettings{{"thresholds", "0.1,0.5"}, {"blocks", "10"}};

}  // namespace

TEST(Checkpoint, ResumeReadsTheNewestCompleteAttemptExactly) {
  Directory directory;
  const pipeline::CheckpointStore store(directory.path.string());
  const pipeline::RankState empty(analysis::Counts(2, 3, {0.1, 0.5}, {"contact", "aa_A"}), 2);
  EXPECT_TRUE(store.empty());
  EXPECT_EQ(store.latest_attempt(), -1);

  pipeline::RankState rank0 = empty, rank1 = empty;
  rank0.add_block(4, 0, counts_with(3), 0.5);
  rank1.add_block(9, 1, counts_with(5), 0.25);
  rank1.add_block(2, 0, counts_with(1), 0.125);
  store.save(0, 0, rank0, kSettings);
  store.save(0, 1, rank1, kSettings);
  store.save(0, 1, rank1, kSettings);  // a second save keeps the first as .previous
  EXPECT_TRUE(fs::exists(directory.path / "attempt-0000.rank-00001.h5.previous"));
  EXPECT_EQ(store.latest_attempt(), 0);

  const pipeline::RankState loaded = store.load(0, empty, kSettings);
  pipeline::RankState expected = rank0;
  expected.merge(rank1, "test");
  EXPECT_EQ(loaded.totals.head_counts, expected.totals.head_counts);
  EXPECT_EQ(loaded.totals.background_numerator, expected.totals.background_numerator);
  EXPECT_EQ(loaded.totals.background_denominator, expected.totals.background_denominator);
  EXPECT_EQ(loaded.totals.sequences, 9);
  EXPECT_EQ(loaded.groups[0].head_counts, expected.groups[0].head_counts);
  EXPECT_EQ(loaded.groups[1].sequences, 5);
  std::vector<std::int64_t> blocks = loaded.blocks_done;
  std::sort(blocks.begin(), blocks.end());
  EXPECT_EQ(blocks, (std::vector<std::int64_t>{2, 4, 9}));

  // Attempt 1 without its rank-0 file is incomplete: attempt 0 is still the one to resume.
  store.save(1, 3, rank1, kSettings);
  EXPECT_EQ(store.latest_attempt(), 0);
  store.save(1, 0, loaded, kSettings);
  EXPECT_EQ(store.latest_attempt(), 1);
  store.remove_attempts_before(1);
  EXPECT_FALSE(fs::exists(directory.path / "attempt-0000.rank-00000.h5"));

  // A kill between the two renames of a save leaves only the .previous copy: it is used.
  fs::remove(directory.path / "attempt-0001.rank-00003.h5");
  store.save(1, 3, empty, kSettings);
  fs::rename(directory.path / "attempt-0001.rank-00003.h5", directory.path / "attempt-0001.rank-00003.h5.previous");
  // rank 3's .previous is now the empty state; rank 0 holds blocks 2, 4, 9.
  EXPECT_EQ(store.load(1, empty, kSettings).blocks_done.size(), 3u);
}

TEST(Checkpoint, InconsistentCheckpointsAreRefused) {
  Directory directory;
  const pipeline::CheckpointStore store(directory.path.string());
  const pipeline::RankState empty(analysis::Counts(2, 3, {0.1, 0.5}, {"contact", "aa_A"}), 0);
  pipeline::RankState a = empty, b = empty;
  a.add_block(1, 0, counts_with(1), 1.0);
  b.add_block(1, 0, counts_with(1), 1.0);
  store.save(0, 0, a, kSettings);
  store.save(0, 1, b, kSettings);
  EXPECT_THROW(store.load(0, empty, kSettings), Error);  // block 1 done twice
  auto other = kSettings;
  other["thresholds"] = "0.2";
  fs::remove(directory.path / "attempt-0000.rank-00001.h5");
  try {
    store.load(0, empty, other);
    FAIL() << "a checkpoint of other settings was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("thresholds"), std::string::npos) << error.what();
  }
}

TEST(Checkpoint, KeepsKnownLabelNullAndContactPrecisionCountsExactly) {
  Directory directory;
  const pipeline::CheckpointStore store(directory.path.string());
  analysis::PropertyPlan plan;
  plan.contact = true;
  plan.residues.push_back({"binding_site", analysis::ResidueProperty::Source::label, "binding_site", 1, 0});
  plan.null_permutations = 2;
  analysis::Counts shape(2, 3, {0.1, 0.5}, plan);
  shape.precision = analysis::PrecisionCounts(2, 3);
  const pipeline::RankState empty(shape, 2);
  analysis::Counts block = shape;
  for (std::size_t e = 0; e < block.head_counts.size(); ++e) block.head_counts[e] = 11 + static_cast<std::int64_t>(e);
  for (std::size_t e = 0; e < block.precision.selected.size(); ++e) {
    block.precision.selected[e] = 100 + static_cast<std::int64_t>(e);
    block.precision.contacts[e] = static_cast<std::int64_t>(e);
  }
  block.precision.sequences = 4;
  pipeline::RankState state = empty;
  state.add_block(3, 1, block, 0.5);
  store.save(0, 0, state, kSettings);
  const pipeline::RankState back = store.load(0, empty, kSettings);
  // 1 + (2 properties + 1 known label) × (1 + 2 null permutations) rows of 2 × 3 × 2.
  ASSERT_EQ(back.totals.head_counts.size(), std::size_t{10 * 12});
  EXPECT_EQ(back.totals.head_counts, block.head_counts);
  EXPECT_EQ(back.groups[1].head_counts, block.head_counts);
  EXPECT_EQ(back.totals.precision.selected, block.precision.selected);
  EXPECT_EQ(back.totals.precision.contacts, block.precision.contacts);
  EXPECT_EQ(back.totals.precision.sequences, 4);
  EXPECT_EQ(back.groups[0].precision.sequences, 0);
}

// A state that does not fit (here a file-size limit, as a full disk) is an error naming the
// file, and the state saved before stays the one a resume reads.
TEST(Checkpoint, ASaveThatDoesNotFitLeavesThePreviousState) {
  Directory directory;
  const pipeline::CheckpointStore store(directory.path.string());
  const pipeline::RankState empty(analysis::Counts(2, 3, {0.1, 0.5}, {"contact", "aa_A"}), 200);
  pipeline::RankState first = empty;
  first.add_block(4, 0, counts_with(3), 0.5);
  store.save(0, 0, first, kSettings);
  pipeline::RankState second = first;
  for (std::int64_t block = 5; block < 200; ++block) second.add_block(block, block, counts_with(block), 0.25);

  struct rlimit before {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &before), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);  // as main does
  struct rlimit small = before;
  small.rlim_cur = 16 * 1024;  // the first state's file is smaller, the second's larger
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    store.save(0, 0, second, kSettings);
  } catch (const Error& error) {
    message = error.what();
  }
  setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_NE(message.find("attempt-0000.rank-00000.h5"), std::string::npos) << message;
  const pipeline::RankState back = store.load(0, empty, kSettings);
  EXPECT_EQ(back.blocks_done, first.blocks_done);
  for (const auto& entry : fs::directory_iterator(directory.path))
    EXPECT_EQ(entry.path().string().find(".writing"), std::string::npos) << entry.path();
}

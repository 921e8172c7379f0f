// End to end through the library: prepare-like corpus → run at N ranks → result.h5, checked
// against the same run on one rank and against a plain recount from single-sequence forwards.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>

#include "bertology/corpus/corpus_file.h"
#include "bertology/io/result_file.h"
#include "bertology/model/model.h"
#include "bertology/parallel/mpi.h"
#include "bertology/pipeline/commands.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace bertology;

namespace {

const std::string kModel = bertology::testing::test_data("golden/prot_bert");

// Random proteins with coordinates on a compact random walk (so contacts exist), a missing
// coordinate now and then, a binary label with unknowns and ss4 classes.
corpus::Dataset synthetic_corpus(int n, unsigned seed) {
  std::mt19937 generator(seed);
  const std::string letters = "ACDEFGHIKLMNPQRSTVWYXU";
  corpus::Dataset data;
  data.schemas = {corpus::binding_site_schema(), corpus::ss4_schema()};
  for (int r = 0; r < n; ++r) {
    corpus::Record record;
    record.id = "seq" + std::to_string(r);
    const int length = std::uniform_int_distribution<int>(1, 140)(generator);
    std::array<double, 3> at{0, 0, 0};
    std::normal_distribution<double> step(0.0, 2.2);
    for (int i = 0; i < length; ++i) {
      record.sequence += letters[std::uniform_int_distribution<std::size_t>(0, letters.size() - 1)(generator)];
      for (auto& c : at) c += step(generator);
      record.ca.push_back(at);
      record.ca_mask.push_back(std::uniform_int_distribution<int>(0, 9)(generator) ? 1 : 0);
      record.labels["binding_site"].push_back(
          static_cast<std::int8_t>(std::uniform_int_distribution<int>(-1, 1)(generator)));
      record.labels["ss4"].push_back(static_cast<std::int8_t>(std::uniform_int_distribution<int>(0, 3)(generator)));
    }
    data.records.push_back(record);
  }
  return data;
}

struct Workspace {
  fs::path directory;
  explicit Workspace(const parallel::Communicator& comm) {
    std::string name = comm.root() ? fs::temp_directory_path() / fs::path("bertology_pipeline_XXXXXX") : "";
    if (comm.root()) name = mkdtemp(name.data());
    comm.broadcast(name);
    directory = name;
  }
  std::string operator()(const std::string& file) const { return (directory / file).string(); }
};

pipeline::RunConfig run_config(const std::string& corpus, const std::string& output) {
  pipeline::RunConfig config;
  config.model = kModel;
  config.corpus = corpus;
  config.output = output;
  config.properties = {"contact", "binding_site", "ss4", "aa"};
  config.properties_given = true;
  config.thresholds = {0.05, 0.3, 0.5};
  config.max_residues = 100;  // cuts some sequences
  config.batch_size = 4;      // padded batches inside each block
  config.quiet = true;
  config.threads = 1;
  return config;
}

}  // namespace

TEST(Pipeline, CountsAreIdenticalWhateverTheNumberOfRanks) {
  parallel::Communicator comm;
  Workspace work(comm);
  // Blocks of 3 records: 14 blocks to share out and to group.
  if (comm.root()) corpus::write_corpus(work("corpus.h5"), synthetic_corpus(40, 3), {}, false, 3);
  comm.barrier();
  auto config = run_config(work("corpus.h5"), work("all.h5"));
  config.groups = 3;
  config.null_permutations = 3;
  EXPECT_EQ(pipeline::run(config, comm), pipeline::RunOutcome::complete);
  auto one_rank = run_config(work("corpus.h5"), work("one.h5"));
  one_rank.null_permutations = 3;
  if (comm.root()) pipeline::run(one_rank, parallel::Communicator(MPI_COMM_SELF));
  comm.barrier();
  const io::ResultData all = io::read_result(work("all.h5"));
  const io::ResultData one = io::read_result(work("one.h5"));
  EXPECT_EQ(all.integer_attributes.at("ranks"), comm.size());
  EXPECT_EQ(all.integer_attributes.at("n_sequences"), 40);
  ASSERT_EQ(all.labels, one.labels);
  for (const auto& [name, values] : one.counts) EXPECT_EQ(all.counts.at(name), values) << name;
  // The known-label denominators, the null and the contact precision are integers like the counts.
  EXPECT_EQ(all.known_counts, one.known_counts);
  EXPECT_EQ(all.denominator_label, one.denominator_label);
  EXPECT_EQ(all.denominator_label.at("ss4_helix"), "ss4");
  EXPECT_EQ(all.null_permutations, 3);
  EXPECT_EQ(all.null_counts, one.null_counts);
  EXPECT_EQ(all.null_known_counts, one.null_known_counts);
  EXPECT_EQ(all.null_counts.at("ss4_helix").size(), 3 * all.counts.at("ss4_helix").size());
  EXPECT_NE(all.null_counts.at("binding_site"),
            std::vector<std::int64_t>(all.null_counts.at("binding_site").size(), 0));
  ASSERT_EQ(all.precision_cuts, (std::vector<std::string>{"top_l5", "top_l2", "top_l"}));
  EXPECT_EQ(all.precision_selected, one.precision_selected);
  EXPECT_EQ(all.precision_contacts, one.precision_contacts);
  EXPECT_EQ(all.precision_sequences, one.precision_sequences);
  EXPECT_GT(all.precision_sequences, 0);
  for (const auto& [label, known] : all.known_counts) {
    const auto& groups = all.group_known_counts.at(label);
    for (std::size_t e = 0; e < known.size(); ++e)
      EXPECT_EQ(groups[e] + groups[e + known.size()] + groups[e + 2 * known.size()], known[e]) << label;
    // Binding-site labels are a third unknown here: that denominator is below all arcs; ss4's is all.
    if (label == "binding_site")
      EXPECT_LT(std::accumulate(known.begin(), known.end(), std::int64_t{0}),
                std::accumulate(all.counts.at("above_threshold").begin(), all.counts.at("above_threshold").end(),
                                std::int64_t{0}));
    if (label == "ss4") EXPECT_EQ(known, all.counts.at("above_threshold"));
  }
  for (const auto& [name, rate] : one.background) {
    EXPECT_EQ(all.background.at(name).positives, rate.positives) << name;
    EXPECT_EQ(all.background.at(name).eligible, rate.eligible) << name;
  }
  // Groups of blocks add up to the totals; every block has a measured time; one entry per rank.
  ASSERT_EQ(all.groups, 3);
  for (const auto& [name, values] : all.counts) {
    const auto& groups = all.group_counts.at(name);
    ASSERT_EQ(groups.size(), 3 * values.size()) << name;
    for (std::size_t e = 0; e < values.size(); ++e)
      EXPECT_EQ(groups[e] + groups[e + values.size()] + groups[e + 2 * values.size()], values[e]) << name;
  }
  EXPECT_EQ(std::accumulate(all.group_sequences.begin(), all.group_sequences.end(), std::int64_t{0}), 40);
  EXPECT_EQ(static_cast<std::int64_t>(all.block_seconds.size()), all.integer_attributes.at("n_blocks"));
  for (double seconds : all.block_seconds) EXPECT_GT(seconds, 0.0);
  EXPECT_EQ(all.rank_hostnames.size(), static_cast<std::size_t>(comm.size()));
  EXPECT_EQ(std::accumulate(all.rank_blocks.begin(), all.rank_blocks.end(), std::int64_t{0}),
            all.integer_attributes.at("n_blocks"));
  EXPECT_FALSE(fs::exists(work("all.h5.checkpoint")));
  // The denominators are not trivial: something is above the lowest θ, and suffix sums fall.
  std::int64_t above = 0;
  for (auto v : all.counts.at("above_threshold")) above += v;
  EXPECT_GT(above, 0);
  comm.barrier();
  if (comm.root()) fs::remove_all(work.directory);
}

TEST(Pipeline, MatchesAPlainRecountOfSingleSequenceForwards) {
  parallel::Communicator comm;
  Workspace work(comm);
  const corpus::Dataset data = synthetic_corpus(12, 8);
  if (comm.root()) corpus::write_corpus(work("corpus.h5"), data, {}, false);
  comm.barrier();
  pipeline::RunConfig config = run_config(work("corpus.h5"), work("result.h5"));
  config.batch_size = 1;  // same shapes as the recount below, so the maps are identical
  pipeline::run(config, comm);
  if (!comm.root()) return;

  model::LoadOptions load;
  load.directory = kModel;
  load.threads = 1;
  auto model = model::load_model(load);
  const auto& info = model->info();
  const auto& thresholds = config.thresholds;
  const std::size_t nt = thresholds.size();
  std::map<std::string, std::vector<std::int64_t>> expected;
  auto count = [&](const std::string& name, int layer, int head, float alpha) {
    auto& v = expected[name];
    v.resize(static_cast<std::size_t>(info.layers * info.heads) * nt);
    for (std::size_t k = 0; k < nt; ++k)
      if (alpha > static_cast<float>(thresholds[k]))
        ++v[(static_cast<std::size_t>(layer) * info.heads + head) * nt + k];
  };
  for (const auto& record : data.records) {
    const auto n = std::min<std::int64_t>(static_cast<std::int64_t>(record.sequence.size()), config.max_residues);
    model::TokenBatch batch;
    batch.ids = model->tokenizer().encode(record.sequence.substr(0, static_cast<std::size_t>(n)));
    batch.batch = 1;
    batch.tokens = static_cast<std::int64_t>(batch.ids.size());
    batch.lengths = {batch.tokens};
    model->forward(batch, [&](int layer, const AttentionMaps& maps) {
      for (int h = 0; h < info.heads; ++h)
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = 0; j < n; ++j) {
            const float alpha = maps.data[((h * maps.tokens) + i + 1) * maps.tokens + j + 1];
            count("above_threshold", layer, h, alpha);
            const bool both = record.ca_mask[i] && record.ca_mask[j];
            double d2 = 0;
            for (int c = 0; c < 3; ++c) d2 += std::pow(record.ca[i][c] - record.ca[j][c], 2);
            count("contact", layer, h, both && std::abs(i - j) >= 6 && std::sqrt(d2) < 8.0 ? alpha : 0.0f);
            count("binding_site", layer, h, record.labels.at("binding_site")[j] == 1 ? alpha : 0.0f);
            const char* classes[] = {"ss4_helix", "ss4_strand", "ss4_turn_bend", "ss4_coil"};
            for (int c = 0; c < 4; ++c) count(classes[c], layer, h, record.labels.at("ss4")[j] == c ? alpha : 0.0f);
            count(std::string("aa_") + record.sequence[j], layer, h, alpha);
          }
    });
  }
  const io::ResultData result = io::read_result(work("result.h5"));
  for (const auto& [name, values] : expected)
    if (name.rfind("aa_", 0) != 0 || result.counts.count(name)) EXPECT_EQ(result.counts.at(name), values) << name;
  fs::remove_all(work.directory);
}

TEST(Pipeline, ContactAtomChoosesTheCoordinates) {
  parallel::Communicator comm;
  Workspace work(comm);
  // Cβ identical to Cα: the same counts; Cβ 100 Å apart per residue: no contact at all.
  corpus::Dataset same = synthetic_corpus(10, 5), spread = synthetic_corpus(10, 5);
  for (auto& record : same.records) {
    record.cb = record.ca;
    record.cb_mask = record.ca_mask;
  }
  for (auto& record : spread.records) {
    for (std::size_t i = 0; i < record.ca.size(); ++i) record.cb.push_back({100.0 * i, 0.0, 0.0});
    record.cb_mask = record.ca_mask;
  }
  if (comm.root()) {
    corpus::write_corpus(work("same.h5"), same, {}, false);
    corpus::write_corpus(work("spread.h5"), spread, {}, false);
  }
  comm.barrier();
  auto config = run_config(work("same.h5"), work("ca.h5"));
  pipeline::run(config, comm);
  config.contact_atom = "cb";
  config.output = work("cb_same.h5");
  pipeline::run(config, comm);
  config.corpus = work("spread.h5");
  config.output = work("cb_spread.h5");
  pipeline::run(config, comm);
  const auto ca = io::read_result(work("ca.h5")), cb_same = io::read_result(work("cb_same.h5")),
             cb_spread = io::read_result(work("cb_spread.h5"));
  EXPECT_EQ(ca.counts.at("contact"), cb_same.counts.at("contact"));
  EXPECT_GT(ca.background.at("contact").positives, 0);
  EXPECT_EQ(cb_spread.background.at("contact").positives, 0);
  EXPECT_EQ(cb_spread.text_attributes.at("contact_atom"), "CB (CA for glycine)");
  comm.barrier();
  if (comm.root()) fs::remove_all(work.directory);
}

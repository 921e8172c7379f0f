#include "bertology/io/result_file.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "bertology/error.h"

namespace bertology::io {
namespace {

ResultData example() {
  ResultData data;
  data.layers = 2;
  data.heads = 3;
  data.thresholds = {0.1, 0.3};
  data.labels = {"contact", "aa_A"};
  data.counts["above_threshold"] = {10, 5, 0, 0, 7, 7, 9, 1, 3, 3, 2, 2};
  data.counts["contact"] = {4, 2, 0, 0, 1, 1, 0, 0, 3, 3, 1, 0};
  data.counts["aa_A"] = {1, 1, 0, 0, 7, 7, 9, 1, 0, 0, 2, 2};
  data.background["contact"] = {17, 1000};
  data.background["aa_A"] = {0, 0};
  data.text_attributes = {{"model", "m"}, {"command_line", "bertology run -o x"}};
  data.integer_attributes = {{"ranks", 2}, {"n_sequences", 40}};
  return data;
}

TEST(ResultFile, RoundTripThroughTheMpiIoDriver) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::string directory = rank == 0 ? ::testing::TempDir() + "/bertology_result_" + std::to_string(getpid()) : "";
  int length = static_cast<int>(directory.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  directory.resize(static_cast<std::size_t>(length));
  MPI_Bcast(directory.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (rank == 0) std::filesystem::create_directories(directory);
  MPI_Barrier(MPI_COMM_WORLD);
  const std::string path = directory + "/result.h5";

  write_result(path, example(), MPI_COMM_WORLD);
  EXPECT_FALSE(std::filesystem::exists(partial_path(path)));
  const ResultData back = read_result(path);
  const ResultData expected = example();
  EXPECT_EQ(back.labels, expected.labels);
  EXPECT_EQ(back.thresholds, expected.thresholds);
  EXPECT_EQ(back.layers, 2);
  EXPECT_EQ(back.heads, 3);
  for (const auto& [name, values] : expected.counts) EXPECT_EQ(back.counts.at(name), values) << name;
  EXPECT_EQ(back.background.at("contact").positives, 17);
  EXPECT_EQ(back.background.at("contact").eligible, 1000);
  EXPECT_TRUE(std::isnan(back.background.at("aa_A").rate()));
  EXPECT_EQ(back.text_attributes.at("command_line"), "bertology run -o x");
  EXPECT_EQ(back.integer_attributes.at("n_sequences"), 40);
  const auto proportions = back.proportions("contact");
  EXPECT_DOUBLE_EQ(proportions[0], 0.4);
  EXPECT_TRUE(std::isnan(proportions[2]));  // nothing above θ
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) std::filesystem::remove_all(directory);
}

TEST(ResultFile, ReadingSomethingElseIsAnErrorNamingTheFile) {
  const std::string path = ::testing::TempDir() + "/not_a_result_" + std::to_string(getpid()) + ".h5";
  std::FILE* file = std::fopen(path.c_str(), "w");
  std::fputs("plain text", file);
  std::fclose(file);
  try {
    read_result(path);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
  std::remove(path.c_str());
}

TEST(ResultFile, KnownLabelDenominatorsNullAndContactPrecisionRoundTrip) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const std::string path = ::testing::TempDir() + "/bertology_result_known_" + std::to_string(getpid()) + "_rank" +
                           std::to_string(rank) + ".h5";
  ResultData data = example();
  data.labels.push_back("ss4_helix");
  data.counts["ss4_helix"] = {2, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0};
  data.background["ss4_helix"] = {3, 9};
  data.known_counts["ss4"] = {5, 2, 0, 0, 3, 3, 4, 1, 1, 1, 1, 1};
  data.denominator_label["ss4_helix"] = "ss4";
  data.null_permutations = 2;
  data.null_seed = 7;
  for (const auto& label : data.labels) {
    data.null_counts[label] = data.counts[label];
    data.null_counts[label].insert(data.null_counts[label].end(), data.counts[label].begin(), data.counts[label].end());
  }
  data.null_known_counts["ss4"] = data.known_counts["ss4"];
  data.null_known_counts["ss4"].insert(data.null_known_counts["ss4"].end(), 12, 1);
  data.precision_cuts = {"top_l5", "top_l"};
  data.precision_selected = {{"top_l5", {6, 6, 6, 6, 6, 6}}, {"top_l", {30, 30, 30, 30, 30, 0}}};
  data.precision_contacts = {{"top_l5", {1, 2, 3, 4, 5, 6}}, {"top_l", {0, 1, 2, 3, 4, 0}}};
  data.precision_sequences = 3;

  write_result(path, data, MPI_COMM_NULL);
  const ResultData back = read_result(path);
  EXPECT_EQ(back.known_counts, data.known_counts);
  EXPECT_EQ(back.denominator_label, data.denominator_label);
  EXPECT_EQ(&back.denominator("ss4_helix"), &back.known_counts.at("ss4"));
  EXPECT_EQ(&back.denominator("contact"), &back.counts.at("above_threshold"));
  const auto helix = back.proportions("ss4_helix");
  EXPECT_DOUBLE_EQ(helix[0], 2.0 / 5);  // over the known residues, not the 10 arcs above θ
  EXPECT_EQ(back.null_permutations, 2);
  EXPECT_EQ(back.null_seed, 7u);
  EXPECT_EQ(back.null_counts, data.null_counts);
  EXPECT_EQ(back.null_known_counts, data.null_known_counts);
  EXPECT_EQ(back.precision_cuts, data.precision_cuts);
  EXPECT_EQ(back.precision_selected, data.precision_selected);
  EXPECT_EQ(back.precision_contacts, data.precision_contacts);
  EXPECT_EQ(back.precision_sequences, 3);
  std::filesystem::remove(path);
}

TEST(WriteAtomically, LeavesNothingBehindOnFailureAndReplacesAStaleTemporary) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const std::string path =
      ::testing::TempDir() + "/bertology_atomic_" + std::to_string(getpid()) + "_rank" + std::to_string(rank) + ".h5";
  EXPECT_THROW(write_atomically(path,
                                [](const File& file) {
                                  const std::vector<std::int64_t> values{1, 2};
                                  write_dataset(file, "a", {2}, values.data());
                                  throw Error("disk full, say");
                                }),
               Error);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(partial_path(path)));

  // A temporary left by a killed process: not HDF5 at all; the next write replaces it.
  { std::ofstream(partial_path(path)) << "half a file"; }
  write_atomically(path, [](const File& file) {
    const std::vector<std::int64_t> values{3, 4};
    write_dataset(file, "a", {2}, values.data());
  });
  EXPECT_FALSE(std::filesystem::exists(partial_path(path)));
  EXPECT_EQ(read_dataset<std::int64_t>(File::open_read(path), "a"), (std::vector<std::int64_t>{3, 4}));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace bertology::io

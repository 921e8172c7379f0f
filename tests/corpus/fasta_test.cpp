#include <gtest/gtest.h>

#include "bertology/corpus/readers.h"
#include "scratch_files.h"

namespace bertology::corpus {
namespace {

using testing::error_from;
using testing::ScratchDir;

TEST(Fasta, ReadsHeadersAndMultiLineSequences) {
  ScratchDir dir;
  const std::string path = dir.write("proteins.fasta",
                                     ">sp|P69905|HBA_HUMAN Hemoglobin subunit alpha\n"
                                     "MVLSPADKTN\n"
                                     "vkaawgkvga*\n"
                                     "\n"
                                     ">  second  with description\r\n"
                                     "MKT AYIAK\tQR\r\n"
                                     "\n");
  Dataset data = read_fasta(path);
  ASSERT_EQ(data.records.size(), 2u);
  EXPECT_EQ(data.records[0].id, "sp|P69905|HBA_HUMAN");
  EXPECT_EQ(data.records[0].sequence, "MVLSPADKTNVKAAWGKVGA");
  EXPECT_EQ(data.records[1].id, "second");
  EXPECT_EQ(data.records[1].sequence, "MKTAYIAKQR");
  EXPECT_TRUE(data.records[0].ca.empty());
  EXPECT_TRUE(data.records[0].labels.empty());
  EXPECT_TRUE(data.schemas.empty());
}

TEST(Fasta, KeepsRareResidueLettersRaw) {
  ScratchDir dir;
  const std::string path = dir.write("rare.fa", ">r\nUOBZJX\n");
  EXPECT_EQ(read_fasta(path).records.at(0).sequence, "UOBZJX");
}

TEST(Fasta, SequenceBeforeTheFirstHeaderIsAnError) {
  ScratchDir dir;
  const std::string path = dir.write("x.fasta", "\nMKV\n>a\nMKV\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(path); }), path, "", 2, "before the first '>'");
}

TEST(Fasta, NonResidueCharactersAreErrors) {
  ScratchDir dir;
  const std::string digit = dir.write("digit.fasta", ">a\nMKV\nMK1V\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(digit); }), digit, "a", 3, "'1' at column 3");
  const std::string gap = dir.write("gap.fasta", ">a\nMK\n>b\nM-KV\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(gap); }), gap, "b", 4, "'-' at column 2 is not a residue letter");
  const std::string control = dir.write("control.fasta", ">a\nMK\x01V\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(control); }), control, "a", 2, "0x01");
}

TEST(Fasta, StopOnlyAtTheEnd) {
  ScratchDir dir;
  const std::string inner = dir.write("inner.fasta", ">a\nMK*\nVL\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(inner); }), inner, "a", 3, "after the '*' (stop) of line 2");
  const std::string twice = dir.write("twice.fasta", ">a\nMK**\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(twice); }), twice, "a", 2, "'*' may only end a sequence");
}

TEST(Fasta, EmptySequencesAreErrors) {
  ScratchDir dir;
  const std::string middle = dir.write("middle.fasta", ">a\n>b\nMK\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(middle); }), middle, "a", 1, "empty sequence");
  const std::string last = dir.write("last.fasta", ">a\nMK\n\n>b\n\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(last); }), last, "b", 4, "empty sequence");
  const std::string stop_only = dir.write("stop.fasta", ">a\n*\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(stop_only); }), stop_only, "a", 1, "empty sequence");
}

TEST(Fasta, HeaderWithoutIdIsAnError) {
  ScratchDir dir;
  const std::string path = dir.write("noid.fasta", ">a\nMK\n>   \nMK\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(path); }), path, "", 3, "without an id");
}

TEST(Fasta, DuplicateIdsAreErrors) {
  ScratchDir dir;
  const std::string path = dir.write("dup.fasta", ">a first\nMK\n>b\nMV\n>a again\nML\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(path); }), path, "a", 5, "duplicate record id (first seen at line 1)");
}

TEST(Fasta, EmptyAndMissingFilesAreErrors) {
  ScratchDir dir;
  const std::string empty = dir.write("empty.fasta", "");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(empty); }), empty, "", 0, "empty file");
  const std::string blank = dir.write("blank.fasta", "\n  \n\n");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(blank); }), blank, "", 0, "empty file");
  const std::string missing = dir.path("missing.fasta");
  EXPECT_ERROR_AT(error_from([&] { read_fasta(missing); }), missing, "", 0, "cannot open");
}

}  // namespace
}  // namespace bertology::corpus

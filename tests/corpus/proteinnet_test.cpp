#include <gtest/gtest.h>

#include "bertology/corpus/readers.h"
#include "scratch_files.h"
#include "test_paths.h"

namespace bertology::corpus {
namespace {

using testing::error_from;
using testing::ScratchDir;

// A two-residue record; pieces can be replaced to break it.
struct TinyRecord {
  std::string id = "tiny";
  std::string primary = "MK";
  std::string evolutionary_row = "0.1\t0.2";
  int evolutionary_rows = 21;
  // 3 atoms (N, CA, C) per residue, picometres
  std::string x = "100\t250\t300\t400\t-1234.5\t600";
  std::string y = "0\t0\t0\t0\t0\t0";
  std::string z = "7.\t8\t9\t10\t11\t12";
  std::string mask = "+-";

  std::string text() const {
    std::string out = "[ID]\n" + id + "\n[PRIMARY]\n" + primary + "\n[EVOLUTIONARY]\n";
    for (int row = 0; row < evolutionary_rows; ++row) out += evolutionary_row + "\n";
    return out + "[TERTIARY]\n" + x + "\n" + y + "\n" + z + "\n[MASK]\n" + mask + "\n\n";
  }
};

TEST(ProteinNet, ReadsTheCasp7Sample) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  Dataset data = read_proteinnet(testing::shared_data("proteinnet/casp7_sample.txt"));
  ASSERT_EQ(data.records.size(), 6u);
  EXPECT_TRUE(data.schemas.empty());
  const std::vector<std::string> ids{"TBM#T0285", "FM#T0350", "TBM#T0366", "TBM#T0303", "TBM-hard#T0348", "TBM#T0383"};
  const std::vector<std::size_t> lengths{125, 117, 106, 224, 68, 127};
  for (std::size_t r = 0; r < ids.size(); ++r) {
    EXPECT_EQ(data.records[r].id, ids[r]);
    EXPECT_EQ(data.records[r].sequence.size(), lengths[r]);
    EXPECT_EQ(data.records[r].ca.size(), lengths[r]);
    EXPECT_EQ(data.records[r].ca_mask.size(), lengths[r]);
  }
  const Record& first = data.records[0];
  EXPECT_EQ(first.sequence.substr(0, 10), "AYLPDDSPAK");
  // The mask starts "------+": the first six residues are unresolved (written as 0 0 0).
  EXPECT_EQ(first.ca_mask[0], 0);
  EXPECT_EQ(first.ca[0], (std::array<double, 3>{0.0, 0.0, 0.0}));
  EXPECT_EQ(first.ca_mask[5], 0);
  EXPECT_EQ(first.ca_mask[6], 1);
  // Atom 3*6+1 of the [TERTIARY] lines: 1819. 1988.1 8658.7 pm.
  EXPECT_DOUBLE_EQ(first.ca[6][0], 18.19);
  EXPECT_DOUBLE_EQ(first.ca[6][1], 19.881);
  EXPECT_DOUBLE_EQ(first.ca[6][2], 86.587);
  int resolved = 0;
  for (auto m : first.ca_mask) resolved += m;
  EXPECT_EQ(resolved, 99);
  // Last residue of the last record: 1713.2 3785.9 366.3 pm.
  const Record& last = data.records[5];
  EXPECT_EQ(last.ca_mask.back(), 1);
  EXPECT_DOUBLE_EQ(last.ca.back()[0], 17.132);
  EXPECT_DOUBLE_EQ(last.ca.back()[1], 37.859);
  EXPECT_DOUBLE_EQ(last.ca.back()[2], 3.663);
}

TEST(ProteinNet, FileCutInsideARecordIsAnError) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const std::string full = testing::read_bytes(testing::shared_data("proteinnet/casp7_sample.txt"));
  ASSERT_GT(full.size(), 3000u);
  // As `head -c 3000`: the cut falls in row 12 of the first record's [EVOLUTIONARY] (line 17).
  const std::string path = dir.write("casp7_head3000.txt", full.substr(0, 3000));
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(path); }), path, "TBM#T0285", 5,
                  "[EVOLUTIONARY] has 12 line(s), expected 21");
}

// Cuts every ~1 KB, and at every byte around the record boundaries where a cut may be whole.
// (Few cuts: each one writes a file, and rewriting files is slow on some file systems.)
TEST(ProteinNet, EveryCutEitherFailsOrEndsAfterACompleteRecord) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const std::string full = testing::read_bytes(testing::shared_data("proteinnet/casp7_sample.txt"));
  const Dataset whole = read_proteinnet(testing::shared_data("proteinnet/casp7_sample.txt"));
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 1; cut < full.size(); cut += 1021) cuts.push_back(cut);
  for (std::size_t boundary = full.find("\n\n[ID]"); boundary != std::string::npos;
       boundary = full.find("\n\n[ID]", boundary + 1)) {
    for (std::size_t cut = boundary - 2; cut <= boundary + 6; ++cut) cuts.push_back(cut);
  }
  int accepted = 0;
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const std::size_t cut = cuts[i];
    const std::string path = dir.write("cut" + std::to_string(i) + ".txt", full.substr(0, cut));
    try {
      Dataset part = read_proteinnet(path);
      ++accepted;
      ASSERT_LT(part.records.size(), whole.records.size()) << "cut at byte " << cut;
      // Accepted only if the kept text ends with the last kept record's complete [MASK] line.
      std::string kept = full.substr(0, cut);
      while (!kept.empty() && kept.back() == '\n') kept.pop_back();
      std::string mask;
      for (auto m : whole.records[part.records.size() - 1].ca_mask) mask += m ? '+' : '-';
      EXPECT_EQ(kept.substr(kept.size() - mask.size()), mask) << "cut at byte " << cut;
      EXPECT_EQ(part.records.back().id, whole.records[part.records.size() - 1].id);
    } catch (const Error& error) {
      EXPECT_EQ(error.context().file, path);
    }
  }
  // Per boundary "+\n\n[ID]": cuts after '+', after the first and after the second '\n' are whole.
  EXPECT_EQ(accepted, 3 * 5);
}

TEST(ProteinNet, SkipsUnknownSectionsAndTrustsTheMask) {
  ScratchDir dir;
  TinyRecord record;
  record.y = "0\t0\t0\t0\t0\t0";
  record.x = "0\t0\t0\t100\t-1234.5\t0";  // residue 0 CA at the origin, still '+'
  std::string text = record.text();
  text.insert(text.find("[TERTIARY]"), "[SECONDARY]\nHE\n[NOVEL]\nanything\n  at all\n");
  const std::string path = dir.write("tiny.txt", text);
  Dataset data = read_proteinnet(path);
  ASSERT_EQ(data.records.size(), 1u);
  const Record& r = data.records[0];
  EXPECT_EQ(r.sequence, "MK");
  EXPECT_EQ(r.ca_mask, (std::vector<std::uint8_t>{1, 0}));
  EXPECT_EQ(r.ca[0], (std::array<double, 3>{0.0, 0.0, 0.08}));
  EXPECT_EQ(r.ca[1], (std::array<double, 3>{-12.345, 0.0, 0.11}));
}

TEST(ProteinNet, IdMustComeFirst) {
  ScratchDir dir;
  const std::string path = dir.write("noid.txt", "\n[PRIMARY]\nMK\n");
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(path); }), path, "", 2, "[PRIMARY] before [ID]");
  const std::string stray = dir.write("stray.txt", "MK\n");
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(stray); }), stray, "", 1, "outside a section");
}

TEST(ProteinNet, PrimaryMissingOrLate) {
  ScratchDir dir;
  const std::string missing = dir.write("missing.txt", "[ID]\nonly_id\n\n");
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(missing); }), missing, "only_id", 1, "no [PRIMARY]");
  TinyRecord record;
  std::string text = record.text();
  std::string primary = "[PRIMARY]\nMK\n";
  text.erase(text.find(primary), primary.size());
  text.insert(text.find("[MASK]"), primary);
  const std::string late = dir.write("late.txt", text);
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(late); }), late, "tiny", 3, "[EVOLUTIONARY] before [PRIMARY]");
}

TEST(ProteinNet, WrongLineAndValueCounts) {
  ScratchDir dir;
  TinyRecord short_pssm;
  short_pssm.evolutionary_rows = 20;
  const std::string rows = dir.write("rows.txt", short_pssm.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(rows); }), rows, "tiny", 5, "has 20 line(s), expected 21");

  TinyRecord pssm_values;
  pssm_values.evolutionary_row = "0.1";
  const std::string values = dir.write("values.txt", pssm_values.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(values); }), values, "tiny", 6, "row 1 has 1 values");

  TinyRecord coordinates;
  coordinates.y = "0\t0\t0\t0\t0";
  const std::string tertiary = dir.write("tertiary.txt", coordinates.text());
  // [TERTIARY] header on line 27, y on line 29
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(tertiary); }), tertiary, "tiny", 29,
                  "line 2 has 5 values, expected 6");

  TinyRecord no_mask;
  std::string text = no_mask.text();
  text.erase(text.find("[MASK]"));
  const std::string missing_mask = dir.write("nomask.txt", text);
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(missing_mask); }), missing_mask, "tiny", 1, "no [MASK]");
}

TEST(ProteinNet, NonNumericCoordinatesAndBadMasks) {
  ScratchDir dir;
  TinyRecord word;
  word.z = "7\t8\t9\t1o\t11\t12";
  const std::string letters = dir.write("word.txt", word.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(letters); }), letters, "tiny", 30, "value 4 '1o' is not a number");

  TinyRecord nan;
  nan.x = "1\tnan\t3\t4\t5\t6";
  const std::string not_finite = dir.write("nan.txt", nan.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(not_finite); }), not_finite, "tiny", 28, "'nan' is not a number");

  TinyRecord long_mask;
  long_mask.mask = "+-+";
  const std::string length = dir.write("masklen.txt", long_mask.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(length); }), length, "tiny", 32, "[MASK] has 3 entries");

  TinyRecord odd_mask;
  odd_mask.mask = "+x";
  const std::string symbol = dir.write("masksym.txt", odd_mask.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(symbol); }), symbol, "tiny", 32, "entry 2 is 'x'");
}

TEST(ProteinNet, BadPrimaryDuplicateIdsAndEmptyFiles) {
  ScratchDir dir;
  TinyRecord lower;
  lower.primary = "M1";
  const std::string bad = dir.write("primary.txt", lower.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(bad); }), bad, "tiny", 4, "'1' at column 2");

  TinyRecord record;
  const std::string twice = dir.write("twice.txt", record.text() + record.text());
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(twice); }), twice, "tiny", 35,
                  "duplicate record id (first seen at line 2)");

  const std::string repeated = dir.write("repeated.txt", record.text() + "[MASK]\n++\n");
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(repeated); }), repeated, "tiny", 34, "second [MASK]");

  const std::string empty = dir.write("empty.txt", "\n\n");
  EXPECT_ERROR_AT(error_from([&] { read_proteinnet(empty); }), empty, "", 0, "empty file");
}

}  // namespace
}  // namespace bertology::corpus

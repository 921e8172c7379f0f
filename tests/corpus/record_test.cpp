#include "bertology/corpus/record.h"

#include <gtest/gtest.h>

#include <string>

namespace bertology::corpus {
namespace {

TEST(LabelSchemas, NamesKindsAndClasses) {
  EXPECT_EQ(binding_site_schema().name, "binding_site");
  EXPECT_EQ(binding_site_schema().kind, LabelKind::binary);
  EXPECT_EQ(binding_site_schema().classes, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(ptm_schema().name, "ptm");
  EXPECT_EQ(ptm_schema().kind, LabelKind::binary);
  EXPECT_EQ(ptm_schema().classes, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(ss4_schema().name, "ss4");
  EXPECT_EQ(ss4_schema().kind, LabelKind::categorical);
  EXPECT_EQ(ss4_schema().classes, (std::vector<std::string>{"helix", "strand", "turn_bend", "coil"}));
}

TEST(LabelSchemas, Ss4FromDsspStates) {
  const std::string helix = "HGI", strand = "EB", turn_bend = "TS", coil = "C- P";
  for (char state : helix) EXPECT_EQ(ss4_class_from_dssp(state), 0) << state;
  for (char state : strand) EXPECT_EQ(ss4_class_from_dssp(state), 1) << state;
  for (char state : turn_bend) EXPECT_EQ(ss4_class_from_dssp(state), 2) << state;
  for (char state : coil) EXPECT_EQ(ss4_class_from_dssp(state), 3) << state;
  EXPECT_EQ(ss4_schema().classes[static_cast<std::size_t>(ss4_class_from_dssp('G'))], "helix");
}

TEST(ResidueLetters, TwentyStandardPlusXUOBZJ) {
  const std::string accepted = "ACDEFGHIKLMNPQRSTVWYXUOBZJ";
  int count = 0;
  for (int c = 0; c < 256; ++c) {
    bool expected = accepted.find(static_cast<char>(c)) != std::string::npos && c != 0;
    EXPECT_EQ(is_residue_letter(static_cast<char>(c)), expected) << c;
    count += is_residue_letter(static_cast<char>(c));
  }
  EXPECT_EQ(count, 26);
  EXPECT_FALSE(is_residue_letter('a'));
  EXPECT_FALSE(is_residue_letter('*'));
  EXPECT_FALSE(is_residue_letter('-'));
}

}  // namespace
}  // namespace bertology::corpus

#include "bertology/analysis/properties.h"

#include <gtest/gtest.h>

#include "attention_fixture.h"
#include "expect_error.h"

namespace bertology::analysis {
namespace {

using testing::test_schemas;

TEST(PlanProperties, ExpandsCategoricalLabelsAndLettersInOrder) {
  const auto plan = plan_properties({"ss4", "binding_site", "aa", "contact"}, test_schemas(), true, "WAXAU");
  EXPECT_TRUE(plan.contact);
  const std::vector<std::string> expected{"contact",      "ss4_helix", "ss4_strand", "ss4_turn_bend", "ss4_coil",
                                          "binding_site", "aa_A",      "aa_U",       "aa_W",          "aa_X"};
  EXPECT_EQ(plan.names(), expected);

  ASSERT_EQ(plan.residues.size(), 9u);
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(plan.residues[c].source, ResidueProperty::Source::label);
    EXPECT_EQ(plan.residues[c].label, "ss4");
    EXPECT_EQ(plan.residues[c].value, c);
  }
  EXPECT_EQ(plan.residues[4].label, "binding_site");
  EXPECT_EQ(plan.residues[4].value, 1);
  EXPECT_EQ(plan.residues[5].source, ResidueProperty::Source::amino_acid);
  EXPECT_EQ(plan.residues[5].letter, 'A');
  EXPECT_EQ(plan.residues[8].letter, 'X');
}

TEST(PlanProperties, WithoutContactTheNamesStartWithResidueProperties) {
  const auto plan = plan_properties({"binding_site"}, test_schemas(), false, "AC");
  EXPECT_FALSE(plan.contact);
  EXPECT_EQ(plan.names(), std::vector<std::string>{"binding_site"});
}

TEST(PlanProperties, RejectsWhatTheCorpusCannotProvide) {
  EXPECT_ERROR_CONTAINING(plan_properties({"contact"}, test_schemas(), false, "AC"), "coordinates");
  EXPECT_ERROR_CONTAINING(plan_properties({"ptm"}, test_schemas(), true, "AC"), "unknown property \"ptm\"");
  EXPECT_ERROR_CONTAINING(plan_properties({"ptm"}, test_schemas(), true, "AC"),
                          "offers: contact, aa, binding_site, ss4");
  EXPECT_ERROR_CONTAINING(plan_properties({"aa"}, test_schemas(), false, ""), "unknown property \"aa\"");
  EXPECT_ERROR_CONTAINING(plan_properties({"ss4", "ss4"}, test_schemas(), true, "AC"), "requested twice");
}

}  // namespace
}  // namespace bertology::analysis

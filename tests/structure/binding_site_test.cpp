// Binding-site labels: ligand proximity and the file's site annotation.
//
// The expected residue lists of the two lactate dehydrogenases were computed by hand, apart
// from this code: a short Python script (standard library only) read the PDB text, took as
// protein the ATOM records plus the modified residues MSE/CME, as ligands the HETATM groups
// other than HOH, SO4 and CD, dropped hydrogens, and listed every residue with an atom within
// 4.0 Å (inclusive) of a ligand atom. The 8tim lists are the file's SITE records as printed.
#include <gtest/gtest.h>

#include "bertology/structure/het_groups.h"
#include "bertology/structure/structure_reader.h"
#include "structure_test_support.h"
#include "test_paths.h"

namespace bertology::structure {
namespace {

using corpus::Dataset;
using corpus::Record;
using Numbers = std::vector<std::string>;

std::string all_notes(const Dataset& data) {
  std::string text;
  for (const auto& note : data.notes) text += "\n  " + note;
  return text;
}

bool has_note(const Dataset& data, const std::string& fragment) {
  for (const auto& note : data.notes)
    if (testing::contains(note, fragment)) return true;
  return false;
}

// Lactate dehydrogenase (Bacillus stearothermophilus) with NAD 352, oxamate 355 and two
// half-occupied fructose-1,6-bisphosphates 353/354 at the allosteric site; three Cd ions.
// 209A and 209B carry insertion codes.
const Numbers k1a5zNearLigands{"27",  "28",  "30",  "31",  "32",  "52",  "53",   "54",   "60",  "79",  "80",  "83",
                               "84",  "85",  "87",  "97",  "98",  "99",  "100",  "116",  "119", "139", "140", "173",
                               "185", "186", "187", "188", "195", "207", "209A", "209B", "236", "240", "245", "246"};

// Lactate dehydrogenase (Plasmodium) with the NAD analogue A3D 601; CME 150 is an
// S,S-(2-hydroxyethyl)thiocysteine of the chain, not a ligand; SO4 602 is left out.
const Numbers k1pzgNearLigands{"29",  "30",  "31",  "52",  "53",  "54",  "55",  "58",  "97",
                               "98",  "99",  "100", "101", "112", "116", "119", "138", "139",
                               "140", "142", "163", "164", "167", "195", "246", "250"};

TEST(BindingSites, LigandsOfLactateDehydrogenaseWithNadOxamateAndFructoseBisphosphate) {
  BERTOLOGY_REQUIRE_THESEUS_EXAMPLES();
  const std::string path = testing::kTheseusExamples + "/ldh/1a5z_A.pdb.gz";
  const Dataset data = read_structure(path);
  const Record& ldh = data.records.at(0);
  const Numbers numbers = testing::numbers_with_ca(testing::read_gzip(path), 'A');
  EXPECT_EQ(testing::numbers_labelled(ldh, "binding_site", numbers), k1a5zNearLigands);
  EXPECT_TRUE(has_note(data, "binding_site: not taken as ligands: CD (ion) x3")) << all_notes(data);
  // No SITE records: the annotated label is unknown, not "no site".
  for (auto value : ldh.labels.at("binding_site_annotated")) ASSERT_EQ(value, -1);
}

TEST(BindingSites, LigandsOfLactateDehydrogenaseWithAModifiedCysteine) {
  BERTOLOGY_REQUIRE_THESEUS_EXAMPLES();
  const std::string path = testing::kTheseusExamples + "/ldh/1pzg_A.pdb.gz";
  const Dataset data = read_structure(path);
  const Record& ldh = data.records.at(0);
  const Numbers numbers = testing::numbers_with_ca(testing::read_gzip(path), 'A');
  EXPECT_EQ(testing::numbers_labelled(ldh, "binding_site", numbers), k1pzgNearLigands);
  const auto cme = static_cast<std::size_t>(std::find(numbers.begin(), numbers.end(), "150") - numbers.begin());
  EXPECT_EQ(ldh.sequence.at(cme), 'C');
  EXPECT_TRUE(has_note(data, "not taken as ligands: SO4 (additive)")) << all_notes(data);
}

TEST(BindingSites, IonsCountWhenAskedFor) {
  BERTOLOGY_REQUIRE_THESEUS_EXAMPLES();
  const std::string path = testing::kTheseusExamples + "/ldh/1a5z_A.pdb.gz";
  StructureOptions options;
  options.include_ions = true;
  const Dataset data = read_structure(path, options);
  const Numbers numbers = testing::numbers_with_ca(testing::read_gzip(path), 'A');
  const Numbers with_ions = testing::numbers_labelled(data.records.at(0), "binding_site", numbers);
  // Every ligand site stays; the Cd ions add their own neighbours.
  for (const auto& number : k1a5zNearLigands)
    EXPECT_NE(std::find(with_ions.begin(), with_ions.end(), number), with_ions.end()) << number;
  EXPECT_GT(with_ions.size(), k1a5zNearLigands.size());
  EXPECT_FALSE(has_note(data, "CD (ion)")) << all_notes(data);
}

// Triose phosphate isomerase with sulfate in each active site. SITE AC1: SER B 211, GLY B 232,
// GLY B 233 (and two waters); AC2: ILE A 170, SER A 211, GLY A 233.
TEST(BindingSites, SiteRecordsOfTriosePhosphateIsomerase) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  const std::string path = testing::shared_data("structures/scope_domains/8tim.pdb.gz");
  const std::string text = testing::read_gzip(path);
  const Dataset data = read_structure(path);
  ASSERT_EQ(data.records.size(), 2u);
  EXPECT_EQ(testing::numbers_labelled(data.records[0], "binding_site_annotated", testing::numbers_with_ca(text, 'A')),
            (Numbers{"170", "211", "233"}));
  EXPECT_EQ(testing::numbers_labelled(data.records[1], "binding_site_annotated", testing::numbers_with_ca(text, 'B')),
            (Numbers{"211", "232", "233"}));
  // Sulfate is an additive: no ligand at all, every residue known not to be near one.
  for (const auto& record : data.records)
    for (auto value : record.labels.at("binding_site")) ASSERT_EQ(value, 0);
  EXPECT_TRUE(has_note(data, "SO4 (additive) x2")) << all_notes(data);
}

TEST(BindingSites, TheSourceOptionChoosesTheLabels) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  const std::string path = testing::shared_data("structures/scope_domains/8tim.pdb.gz");
  auto labels_for = [&](BindingSiteSource source) {
    StructureOptions options;
    options.binding_sites = source;
    const Dataset data = read_structure(path, options);
    std::vector<std::string> names;
    for (const auto& schema : data.schemas) names.push_back(schema.name);
    std::vector<std::string> carried;
    for (const auto& [name, values] : data.records.at(0).labels) carried.push_back(name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, carried);
    return names;
  };
  EXPECT_EQ(labels_for(BindingSiteSource::none), (std::vector<std::string>{"ss4"}));
  EXPECT_EQ(labels_for(BindingSiteSource::ligands), (std::vector<std::string>{"binding_site", "ss4"}));
  EXPECT_EQ(labels_for(BindingSiteSource::annotated), (std::vector<std::string>{"binding_site_annotated", "ss4"}));
  EXPECT_EQ(labels_for(BindingSiteSource::both),
            (std::vector<std::string>{"binding_site", "binding_site_annotated", "ss4"}));
}

// Six residues in entity_poly_seq (MAGGKW), three with coordinates: ALA 2, GLY 4, LYS 5
// (author numbers 12, 14, 15). An alignment would put the glycine at 3, next to the alanine
// whose Cα is 3.8 Å away; label_seq_id says 4. Along x: ALA CA at 0 (CB 1.5 Å up y), GLY CA
// at 3.8, LYS CA at 11.4 (NZ 5 Å up y).
// ATP P is 3.5 Å from GLY's CA (4.29 Å from ALA's CB); ZN is 2.5 Å from LYS NZ; the
// unlisted Gd ion is 3 Å from ALA's CA, and so is a sulfate S; a water sits 3.9 Å from it.
// struct_site_gen names ALA 12 and the zinc.
const std::string kLigandMmcif = R"(data_LIGANDS
loop_
_entity.id
_entity.type
1 polymer
2 non-polymer
3 non-polymer
4 non-polymer
5 non-polymer
6 water
_entity_poly.entity_id 1
_entity_poly.type 'polypeptide(L)'
loop_
_entity_poly_seq.entity_id
_entity_poly_seq.num
_entity_poly_seq.mon_id
_entity_poly_seq.hetero
1 1 MET n
1 2 ALA n
1 3 GLY n
1 4 GLY n
1 5 LYS n
1 6 TRP n
loop_
_struct_site_gen.id
_struct_site_gen.site_id
_struct_site_gen.label_comp_id
_struct_site_gen.label_asym_id
_struct_site_gen.label_seq_id
_struct_site_gen.auth_comp_id
_struct_site_gen.auth_asym_id
_struct_site_gen.auth_seq_id
_struct_site_gen.pdbx_PDB_ins_code
_struct_site_gen.symmetry
1 AC1 ALA A 2 ALA A 12  ? 1_555
2 AC1 ZN  C . ZN  A 102 ? 1_555
loop_
_atom_site.group_PDB
_atom_site.id
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.label_alt_id
_atom_site.label_comp_id
_atom_site.label_asym_id
_atom_site.label_entity_id
_atom_site.label_seq_id
_atom_site.pdbx_PDB_ins_code
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
_atom_site.occupancy
_atom_site.B_iso_or_equiv
_atom_site.auth_seq_id
_atom_site.auth_asym_id
_atom_site.pdbx_PDB_model_num
ATOM   1  C  CA . ALA A 1 2 ? 0.000  0.000  0.000 1.00 10.0 12  A 1
ATOM   2  C  CB . ALA A 1 2 ? 0.000  1.500  0.000 1.00 10.0 12  A 1
ATOM   3  C  CA . GLY A 1 4 ? 3.800  0.000  0.000 1.00 10.0 14  A 1
ATOM   4  C  CA . LYS A 1 5 ? 11.400 0.000  0.000 1.00 10.0 15  A 1
ATOM   5  N  NZ . LYS A 1 5 ? 11.400 5.000  0.000 1.00 10.0 15  A 1
HETATM 6  P  PG . ATP B 2 . ? 3.800  3.500  0.000 1.00 10.0 101 A 1
HETATM 7  ZN ZN . ZN  C 3 . ? 11.400 7.500  0.000 1.00 10.0 102 A 1
HETATM 8  S  S  . SO4 D 4 . ? 0.000  -3.000 0.000 1.00 10.0 103 A 1
HETATM 9  GD GD . GD  E 5 . ? -3.000 0.000  0.000 1.00 10.0 104 A 1
HETATM 10 O  O  . HOH F 6 . ? 0.000  0.000  3.900 1.00 10.0 105 A 1
)";

TEST(BindingSites, HandWrittenMmcifWithSitesLigandsAndIons) {
  testing::ScratchDir dir;
  const std::string path = dir.write("ligands.cif", kLigandMmcif);
  const Dataset data = read_structure(path);
  ASSERT_EQ(data.records.size(), 1u);
  const Record& chain = data.records[0];
  EXPECT_EQ(chain.id, "ligands_A");
  EXPECT_EQ(chain.sequence, "MAGGKW");
  EXPECT_EQ(chain.ca_mask, (std::vector<std::uint8_t>{0, 1, 0, 1, 1, 0}));
  EXPECT_EQ(chain.cb[1], (std::array<double, 3>{0.0, 1.5, 0.0}));
  EXPECT_EQ(chain.cb[3], (std::array<double, 3>{3.8, 0.0, 0.0}));  // glycine: its Cα
  EXPECT_EQ(chain.cb_mask, (std::vector<std::uint8_t>{0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(chain.labels.at("binding_site"), (std::vector<std::int8_t>{-1, 0, -1, 1, 0, -1}));
  EXPECT_EQ(chain.labels.at("binding_site_annotated"), (std::vector<std::int8_t>{-1, 1, -1, 0, 0, -1}));
  EXPECT_TRUE(has_note(data, "not taken as ligands: GD (ion), SO4 (additive), ZN (ion)")) << all_notes(data);

  StructureOptions ions;
  ions.include_ions = true;
  EXPECT_EQ(read_structure(path, ions).records.at(0).labels.at("binding_site"),
            (std::vector<std::int8_t>{-1, 1, -1, 1, 1, -1}));

  // The distance is inclusive: ATP sits exactly 3.5 Å from GLY's Cα.
  StructureOptions exact;
  exact.ligand_distance = 3.5;
  EXPECT_EQ(read_structure(path, exact).records.at(0).labels.at("binding_site"),
            (std::vector<std::int8_t>{-1, 0, -1, 1, 0, -1}));
  StructureOptions closer;
  closer.ligand_distance = 3.49;
  EXPECT_EQ(read_structure(path, closer).records.at(0).labels.at("binding_site"),
            (std::vector<std::int8_t>{-1, 0, -1, 0, 0, -1}));
  StructureOptions farther;
  farther.ligand_distance = 4.3;  // reaches ALA's Cβ
  EXPECT_EQ(read_structure(path, farther).records.at(0).labels.at("binding_site"),
            (std::vector<std::int8_t>{-1, 1, -1, 1, 0, -1}));
}

TEST(BindingSites, HetGroupClasses) {
  EXPECT_EQ(classify_het_group("HOH"), HetGroup::water);
  EXPECT_EQ(classify_het_group("DOD"), HetGroup::water);
  EXPECT_EQ(classify_het_group("GOL"), HetGroup::additive);
  EXPECT_EQ(classify_het_group("SO4"), HetGroup::additive);
  EXPECT_EQ(classify_het_group("MES"), HetGroup::additive);
  EXPECT_EQ(classify_het_group("ZN"), HetGroup::ion);
  EXPECT_EQ(classify_het_group("CL"), HetGroup::ion);
  EXPECT_EQ(classify_het_group("ACE"), HetGroup::cap);
  EXPECT_EQ(classify_het_group("NAD"), HetGroup::ligand);
  EXPECT_EQ(classify_het_group("HEM"), HetGroup::ligand);
  EXPECT_EQ(classify_het_group("NAG"), HetGroup::ligand);
  EXPECT_EQ(classify_het_group(""), HetGroup::ligand);
  EXPECT_STREQ(het_group_name(HetGroup::additive), "additive");
}

}  // namespace
}  // namespace bertology::structure

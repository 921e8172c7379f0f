#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "bertology/structure/structure_reader.h"
#include "scratch_files.h"
#include "test_paths.h"

namespace bertology::structure {
namespace {

using corpus::Dataset;
using corpus::Record;
using testing::error_from;
using testing::ScratchDir;

const std::string kTheseusExamples = "/usr/share/doc/theseus/examples";

void write_gzip(const std::string& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, content.data(), static_cast<unsigned>(content.size())), static_cast<int>(content.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

std::size_t masked(const Record& record) {
  std::size_t count = 0;
  for (auto m : record.ca_mask) count += m == 0;
  return count;
}

// Chain A: MET, MSE (selenomethionine → M), GLY without its CA, an ACE cap is not a residue,
// a water; chain B: two DNA nucleotides. Written by hand, coordinates in Å.
const std::string kSmallMmcif = R"(data_TEST
#
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
ATOM   1  N N   . MET A 1 1 ? 1.000 2.000 3.000 1.00 10.0 1 A 1
ATOM   2  C CA  . MET A 1 1 ? 1.500 2.500 3.250 1.00 10.0 1 A 1
ATOM   3  C C   . MET A 1 1 ? 2.000 3.000 3.500 1.00 10.0 1 A 1
HETATM 4  N N   . MSE A 1 2 ? 3.000 3.000 3.000 1.00 10.0 2 A 1
HETATM 5  C CA  . MSE A 1 2 ? 4.125 -3.5 0.000 1.00 10.0 2 A 1
HETATM 6  SE SE . MSE A 1 2 ? 5.000 3.000 3.000 1.00 10.0 2 A 1
ATOM   7  N N   . GLY A 1 3 ? 6.000 3.000 3.000 1.00 10.0 3 A 1
HETATM 8  C C   . ACE A 1 4 ? 7.000 3.000 3.000 1.00 10.0 4 A 1
HETATM 9  O O   . HOH C 3 . ? 9.000 9.000 9.000 1.00 10.0 101 A 1
ATOM   10 P P   . DA  B 2 1 ? 0.000 0.000 9.000 1.00 10.0 1 B 1
ATOM   11 P P   . DC  B 2 2 ? 0.000 5.000 9.000 1.00 10.0 2 B 1
#
)";

TEST(Structure, ReadsHandWrittenMmcifPlainAndGzipped) {
  ScratchDir dir;
  const std::string plain = dir.write("small.cif", kSmallMmcif);
  const std::string gzipped = dir.path("small_gz.cif.gz");
  write_gzip(gzipped, kSmallMmcif);
  const std::string bare = dir.write("small_bare", kSmallMmcif);  // no extension: content says mmCIF
  const std::vector<std::pair<std::string, std::string>> files{
      {plain, "small"}, {gzipped, "small_gz"}, {bare, "small_bare"}};
  for (const auto& [path, stem] : files) {
    SCOPED_TRACE(path);
    Dataset data = read_structure(path);
    ASSERT_EQ(data.records.size(), 1u);
    EXPECT_TRUE(data.schemas.empty());
    const Record& chain = data.records[0];
    EXPECT_EQ(chain.id, stem + "_A");
    EXPECT_EQ(chain.sequence, "MMG");
    EXPECT_EQ(chain.ca_mask, (std::vector<std::uint8_t>{1, 1, 0}));
    EXPECT_EQ(chain.ca[0], (std::array<double, 3>{1.5, 2.5, 3.25}));
    EXPECT_EQ(chain.ca[1], (std::array<double, 3>{4.125, -3.5, 0.0}));
    EXPECT_TRUE(chain.labels.empty());
  }
}

TEST(Structure, ForcedFormat) {
  ScratchDir dir;
  const std::string path = dir.write("misnamed.pdb", kSmallMmcif);
  EXPECT_EQ(read_structure(path, StructureOptions{corpus::Format::mmcif}).records.at(0).sequence, "MMG");
  EXPECT_EQ(read_input(path, corpus::Format::mmcif, {}).records.at(0).id, "misnamed_A");
  Error error = error_from([&] { read_structure(path, StructureOptions{corpus::Format::fasta}); });
  EXPECT_EQ(error.context().file, path);
}

// Expected values from the ATOM records, read with a few lines of Python.
TEST(Structure, ReadsPfamDomains) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  const std::string folder = testing::shared_data("structures/pfam_domains");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    Dataset data = read_structure(entry.path().string());
    ASSERT_EQ(data.records.size(), 1u) << entry.path();
    EXPECT_EQ(data.records[0].id, entry.path().stem().string() + "_A");
    ++files;
  }
  EXPECT_EQ(files, 40u);

  const Record first = read_structure(folder + "/PF00013_1WVN_A.pdb").records.at(0);
  EXPECT_EQ(first.sequence.size(), 74u);
  EXPECT_EQ(first.sequence.substr(0, 30), "PLGSQTTHELTIPNNLIGCIIGRQGANINE");
  EXPECT_EQ(first.sequence.substr(64), "AQYLINARLS");
  EXPECT_EQ(first.ca[0], (std::array<double, 3>{11.313, 6.648, -18.897}));
  EXPECT_EQ(masked(first), 0u);

  // The first residue (ARG 802) has only C and O atoms.
  const Record tenascin = read_structure(folder + "/PF00041_1TEN_A.pdb").records.at(0);
  EXPECT_EQ(tenascin.sequence.size(), 90u);
  EXPECT_EQ(tenascin.sequence.substr(0, 5), "RLDAP");
  EXPECT_EQ(tenascin.ca_mask[0], 0);
  EXPECT_EQ(masked(tenascin), 1u);
  // Residue 117 of 1UNQ has only N.
  const Record akt = read_structure(folder + "/PF00169_1UNQ_A.pdb").records.at(0);
  EXPECT_EQ(akt.sequence.size(), 118u);
  EXPECT_EQ(akt.ca_mask[117], 0);
  EXPECT_EQ(masked(akt), 1u);
}

TEST(Structure, ReadsScopDomainsAndGzippedEntries) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  const std::string folder = testing::shared_data("structures/scope_domains");
  std::size_t records = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    records += read_structure(entry.path().string()).records.size();
  }
  EXPECT_EQ(records, 26u + 2u * 2u);  // 26 one-chain domains, 1tim and 8tim with chains A and B

  Dataset tim = read_structure(folder + "/1tim.pdb.gz");
  ASSERT_EQ(tim.records.size(), 2u);
  EXPECT_EQ(tim.records[0].id, "1tim_A");
  EXPECT_EQ(tim.records[1].id, "1tim_B");
  EXPECT_EQ(tim.records[0].sequence.size(), 247u);
  EXPECT_EQ(tim.records[0].sequence.substr(0, 30), "APRKFFVGGNWKMNGKRKSLGELIHTLDGA");
  EXPECT_EQ(tim.records[1].ca[0], (std::array<double, 3>{46.468, 82.727, 0.37}));

  // UNK residues are X.
  const Record unknown = read_structure(folder + "/d1b0ba_.pdb").records.at(0);
  EXPECT_EQ(unknown.sequence.size(), 142u);
  EXPECT_EQ(unknown.sequence.substr(0, 10), "XLSAAQKDNV");
}

TEST(Structure, ReadsTheseusExamples) {
  if (!std::filesystem::exists(kTheseusExamples)) GTEST_SKIP() << "theseus-examples not installed";
  // Blank chain name: the id is the file stem. The sequence is the alignment row of cytc.aln
  // without gaps. Columns 73-80 hold "1CIH 206", not an element: CA is still carbon.
  const Record cytochrome = read_structure(kTheseusExamples + "/cytochromes/d1cih__.pdb.gz").records.at(0);
  EXPECT_EQ(cytochrome.id, "d1cih__");
  EXPECT_EQ(cytochrome.sequence,
            "TEFKAGSAKKGATLFKTRCLQCHTVEKGGPHKVGPNLHGIFGAHSGQAEGYSYTDAIIKK"
            "NVLWDENNMSEYLTNPKKYIPGTKMASGGLKKEKDRNDLITYLKKAAE");
  EXPECT_EQ(masked(cytochrome), 0u);
  EXPECT_EQ(cytochrome.ca[0], (std::array<double, 3>{5.082, 11.692, -7.4}));

  // NMR ensemble of a protein on ssDNA: first of 10 models, the DNA chain is not a protein.
  Dataset nmr = read_structure(kTheseusExamples + "/1s40.pdb.gz");
  ASSERT_EQ(nmr.records.size(), 1u);
  EXPECT_EQ(nmr.records[0].id, "1s40_A");
  EXPECT_EQ(nmr.records[0].sequence.size(), 187u);
  EXPECT_EQ(nmr.records[0].ca[0], (std::array<double, 3>{24.731, -11.092, -3.669}));

  // Lactate dehydrogenase with NAD, oxamate, fructose bisphosphate, Cd and waters: 312 residues.
  const Record ldh = read_structure(kTheseusExamples + "/ldh/1a5z_A.pdb.gz").records.at(0);
  EXPECT_EQ(ldh.sequence.size(), 312u);
  EXPECT_EQ(ldh.sequence.substr(0, 30), "MKIGIVGLGRVGSSTAFALLMKGFAREMVL");
  EXPECT_EQ(ldh.sequence.substr(302), "AINEITAEEN");
  EXPECT_EQ(masked(ldh), 0u);

  // No TER record and an ACE cap (HETATM) before the first residue.
  const Record capped = read_structure(kTheseusExamples + "/ldh/3ldh_A.pdb.gz").records.at(0);
  EXPECT_EQ(capped.sequence.substr(0, 19), "TALKDKLIGHLATSQEPRS");

  // Columns 73-80 hold "00572C21": not an element, yet every residue has its CA.
  const Record trypsin = read_structure(kTheseusExamples + "/trypsins/1BBR_K.pdb.gz").records.at(0);
  EXPECT_EQ(trypsin.sequence.size(), 259u);
  EXPECT_EQ(masked(trypsin), 0u);
  EXPECT_EQ(trypsin.ca[0], (std::array<double, 3>{13.030, -10.105, -0.211}));
}

TEST(Structure, BrokenFilesAreErrorsNamingTheFile) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const std::string gz = testing::read_bytes(testing::shared_data("structures/scope_domains/1tim.pdb.gz"));
  const std::string truncated_gz = dir.write("1tim_cut.pdb.gz", gz.substr(0, gz.size() / 2));
  EXPECT_ERROR_AT(error_from([&] { read_structure(truncated_gz); }), truncated_gz, "", 0, "truncated or corrupt gzip");

  const std::string pdb = testing::read_bytes(testing::shared_data("structures/pfam_domains/PF00013_1WVN_A.pdb"));
  const std::string cut_line = dir.write("cut.pdb", pdb.substr(0, pdb.find("ATOM      3") + 40));
  EXPECT_ERROR_AT(error_from([&] { read_structure(cut_line); }), cut_line, "", 0, "too short");

  const std::string waters = dir.write(
      "water.pdb", "HETATM    1  O   HOH A 101       9.000   9.000   9.000  1.00 10.00           O\nEND\n");
  EXPECT_ERROR_AT(error_from([&] { read_structure(waters); }), waters, "", 0, "no protein chain");

  const std::string garbage = dir.write("garbage.cif", "data_x\nloop_\n_atom_site.id\n_atom_site.Cartn_x\n1\n");
  EXPECT_ERROR_AT(error_from([&] { read_structure(garbage); }), garbage, "", 0, "cannot parse mmCIF");

  const std::string empty = dir.write("empty.pdb", "");
  EXPECT_ERROR_AT(error_from([&] { read_structure(empty); }), empty, "", 0, "empty file");

  const std::string missing = dir.path("missing.pdb");
  EXPECT_ERROR_AT(error_from([&] { read_structure(missing); }), missing, "", 0, "no such file");
}

}  // namespace
}  // namespace bertology::structure

// PDB/mmCIF → Records: sequences, placement in SEQRES, chains, conformers, coordinates, ss4,
// notes, the corpus file round trip, and broken files.
#define USE_STD_SNPRINTF  // Debian's gemmi lacks its bundled stb_sprintf; the mmCIF writer needs one
#define GEMMI_WRITE_IMPLEMENTATION
#include <gemmi/align.hpp>
#include <gemmi/mmread.hpp>
#include <gemmi/polyheur.hpp>
#include <gemmi/to_cif.hpp>
#include <gemmi/to_mmcif.hpp>
#undef GEMMI_WRITE_IMPLEMENTATION

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bertology/corpus/corpus_file.h"
#include "bertology/structure/structure_reader.h"
#include "structure_test_support.h"
#include "test_paths.h"

namespace bertology::structure {
namespace {

using corpus::Dataset;
using corpus::Record;
using testing::error_from;
using testing::ScratchDir;

std::size_t masked(const Record& record) {
  std::size_t count = 0;
  for (auto m : record.ca_mask) count += m == 0;
  return count;
}

std::vector<std::size_t> masked_positions(const Record& record) {
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < record.ca_mask.size(); ++i)
    if (!record.ca_mask[i]) positions.push_back(i);
  return positions;
}

bool has_note(const Dataset& data, const std::string& fragment) {
  for (const auto& note : data.notes)
    if (testing::contains(note, fragment)) return true;
  return false;
}

std::string all_notes(const Dataset& data) {
  std::string text;
  for (const auto& note : data.notes) text += "\n  " + note;
  return text;
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

TEST(StructureReader, ReadsHandWrittenMmcifPlainAndGzipped) {
  ScratchDir dir;
  const std::string plain = dir.write("small.cif", kSmallMmcif);
  const std::string gzipped = dir.path("small_gz.cif.gz");
  testing::write_gzip(gzipped, kSmallMmcif);
  const std::string bare = dir.write("small_bare", kSmallMmcif);  // no extension: content says mmCIF
  const std::vector<std::pair<std::string, std::string>> files{
      {plain, "small"}, {gzipped, "small_gz"}, {bare, "small_bare"}};
  for (const auto& [path, stem] : files) {
    SCOPED_TRACE(path);
    Dataset data = read_structure(path);
    ASSERT_EQ(data.records.size(), 1u);
    ASSERT_EQ(data.schemas.size(), 3u);
    EXPECT_EQ(data.schemas[0].name, "ss4");
    EXPECT_EQ(data.schemas[1].name, "binding_site");
    EXPECT_EQ(data.schemas[2].name, "binding_site_annotated");
    for (const auto& schema : data.schemas) EXPECT_FALSE(schema.description.empty()) << schema.name;
    const Record& chain = data.records[0];
    EXPECT_EQ(chain.id, stem + "_A");
    EXPECT_EQ(chain.source, path);
    EXPECT_EQ(chain.chain, "A");
    EXPECT_EQ(chain.sequence, "MMG");
    EXPECT_EQ(chain.ca_mask, (std::vector<std::uint8_t>{1, 1, 0}));
    EXPECT_EQ(chain.ca[0], (std::array<double, 3>{1.5, 2.5, 3.25}));
    EXPECT_EQ(chain.ca[1], (std::array<double, 3>{4.125, -3.5, 0.0}));
    // No CB anywhere; the glycine has no CA to stand in for it.
    EXPECT_EQ(chain.cb_mask, (std::vector<std::uint8_t>{0, 0, 0}));
    // No residue has N, CA, C and O: DSSP leaves them all out.
    EXPECT_EQ(chain.labels.at("ss4"), (std::vector<std::int8_t>{-1, -1, -1}));
    // The cap and the water are not ligands; no site annotation: unknown.
    EXPECT_EQ(chain.labels.at("binding_site"), (std::vector<std::int8_t>{0, 0, 0}));
    EXPECT_EQ(chain.labels.at("binding_site_annotated"), (std::vector<std::int8_t>{-1, -1, -1}));
  }
}

TEST(StructureReader, ForcedFormat) {
  ScratchDir dir;
  const std::string path = dir.write("misnamed.pdb", kSmallMmcif);
  EXPECT_EQ(read_structure(path, StructureOptions{corpus::Format::mmcif}).records.at(0).sequence, "MMG");
  EXPECT_EQ(read_input(path, corpus::Format::mmcif, {}).records.at(0).id, "misnamed_A");
  StructureOptions no_sites;
  no_sites.binding_sites = BindingSiteSource::none;
  EXPECT_EQ(read_input(path, corpus::Format::mmcif, {}, no_sites).schemas.size(), 1u);
  Error error = error_from([&] { read_structure(path, StructureOptions{corpus::Format::fasta}); });
  EXPECT_EQ(error.context().file, path);
}

// Expected values from the ATOM records, read with a few lines of Python.
TEST(StructureReader, ReadsPfamDomains) {
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

  // The first residue (ARG 802) has only C and O atoms: no Cα, no DSSP state.
  const Record tenascin = read_structure(folder + "/PF00041_1TEN_A.pdb").records.at(0);
  EXPECT_EQ(tenascin.sequence.size(), 90u);
  EXPECT_EQ(tenascin.sequence.substr(0, 5), "RLDAP");
  EXPECT_EQ(tenascin.ca_mask[0], 0);
  EXPECT_EQ(tenascin.labels.at("ss4")[0], -1);
  EXPECT_NE(tenascin.labels.at("ss4")[1], -1);
  EXPECT_EQ(masked(tenascin), 1u);
  // Residue 117 of 1UNQ has only N.
  const Record akt = read_structure(folder + "/PF00169_1UNQ_A.pdb").records.at(0);
  EXPECT_EQ(akt.sequence.size(), 118u);
  EXPECT_EQ(akt.ca_mask[117], 0);
  EXPECT_EQ(masked(akt), 1u);
}

TEST(StructureReader, ReadsScopDomainsAndGzippedEntries) {
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
  EXPECT_EQ(tim.records[1].chain, "B");
  EXPECT_EQ(tim.records[0].sequence.size(), 247u);
  EXPECT_EQ(tim.records[0].sequence.substr(0, 30), "APRKFFVGGNWKMNGKRKSLGELIHTLDGA");
  EXPECT_EQ(tim.records[1].ca[0], (std::array<double, 3>{46.468, 82.727, 0.37}));
  EXPECT_TRUE(tim.notes.empty()) << all_notes(tim);

  // UNK residues are X.
  const Dataset unknown = read_structure(folder + "/d1b0ba_.pdb");
  EXPECT_EQ(unknown.records.at(0).sequence.size(), 142u);
  EXPECT_EQ(unknown.records.at(0).sequence.substr(0, 10), "XLSAAQKDNV");
  EXPECT_TRUE(has_note(unknown, "read as X: UNK x")) << all_notes(unknown);
}

TEST(StructureReader, ReadsTheseusExamples) {
  BERTOLOGY_REQUIRE_THESEUS_EXAMPLES();
  const std::string examples = testing::kTheseusExamples;
  // Blank chain name: the id is the file stem. The sequence is the alignment row of cytc.aln
  // without gaps. Columns 73-80 hold "1CIH 206", not an element: CA is still carbon.
  const Dataset cytochromes = read_structure(examples + "/cytochromes/d1cih__.pdb.gz");
  const Record& cytochrome = cytochromes.records.at(0);
  EXPECT_EQ(cytochrome.id, "d1cih__");
  EXPECT_EQ(cytochrome.chain, "");
  EXPECT_EQ(cytochrome.sequence,
            "TEFKAGSAKKGATLFKTRCLQCHTVEKGGPHKVGPNLHGIFGAHSGQAEGYSYTDAIIKK"
            "NVLWDENNMSEYLTNPKKYIPGTKMASGGLKKEKDRNDLITYLKKAAE");
  EXPECT_EQ(masked(cytochrome), 0u);
  EXPECT_EQ(cytochrome.ca[0], (std::array<double, 3>{5.082, 11.692, -7.4}));
  EXPECT_TRUE(has_note(cytochromes, "columns 77-80 of")) << all_notes(cytochromes);

  // NMR ensemble of a protein on ssDNA: first of 10 models, the DNA chain is not a protein.
  // SEQRES has 199 residues, the model 187: 4 missing at the N end, 8 at the C end.
  Dataset nmr = read_structure(examples + "/1s40.pdb.gz");
  ASSERT_EQ(nmr.records.size(), 1u);
  EXPECT_TRUE(has_note(nmr, "10 models; only the first is read")) << all_notes(nmr);
  const Record& ssb = nmr.records[0];
  EXPECT_EQ(ssb.id, "1s40_A");
  EXPECT_EQ(ssb.sequence.size(), 199u);
  EXPECT_EQ(ssb.sequence.substr(0, 13), "MRMSKMARKDPTI");
  std::vector<std::size_t> ends{0, 1, 2, 3, 191, 192, 193, 194, 195, 196, 197, 198};
  EXPECT_EQ(masked_positions(ssb), ends);
  EXPECT_EQ(ssb.ca[4], (std::array<double, 3>{24.731, -11.092, -3.669}));
  for (std::size_t i : ends) {
    EXPECT_EQ(ssb.labels.at("ss4")[i], -1);
    EXPECT_EQ(ssb.labels.at("binding_site")[i], -1);
  }

  // Lactate dehydrogenase with NAD, oxamate, fructose bisphosphate, Cd and waters: 312 residues.
  const Record ldh = read_structure(examples + "/ldh/1a5z_A.pdb.gz").records.at(0);
  EXPECT_EQ(ldh.sequence.size(), 312u);
  EXPECT_EQ(ldh.sequence.substr(0, 30), "MKIGIVGLGRVGSSTAFALLMKGFAREMVL");
  EXPECT_EQ(ldh.sequence.substr(302), "AINEITAEEN");
  EXPECT_EQ(masked(ldh), 0u);

  // No TER record and an ACE cap (HETATM) before the first residue.
  const Record capped = read_structure(examples + "/ldh/3ldh_A.pdb.gz").records.at(0);
  EXPECT_EQ(capped.sequence.substr(0, 19), "TALKDKLIGHLATSQEPRS");

  // Columns 73-80 hold "00572C21": not an element, yet every residue has its CA.
  const Record trypsin = read_structure(examples + "/trypsins/1BBR_K.pdb.gz").records.at(0);
  EXPECT_EQ(trypsin.sequence.size(), 259u);
  EXPECT_EQ(masked(trypsin), 0u);
  EXPECT_EQ(trypsin.ca[0], (std::array<double, 3>{13.030, -10.105, -0.211}));
}

// 1tim with residues taken out of chain A's coordinates, SEQRES left as it is.
struct TrimmedTim {
  std::string original;              // the file's text
  std::string trimmed;               // without the residues below
  std::vector<std::string> numbers;  // chain A residues of the original, in order
  std::vector<std::string> removed{"1", "10", "100", "101", "102", "103", "104", "248"};
};

TrimmedTim trimmed_tim() {
  TrimmedTim tim;
  tim.original = testing::read_gzip(testing::shared_data("structures/scope_domains/1tim.pdb.gz"));
  tim.numbers = testing::numbers_with_ca(tim.original, 'A');
  std::vector<std::string> kept;
  for (const auto& line : testing::lines_of(tim.original)) {
    const bool gone = testing::is_atom_line(line) && testing::chain_of(line) == 'A' &&
                      std::count(tim.removed.begin(), tim.removed.end(), testing::residue_number(line));
    if (!gone) kept.push_back(line);
  }
  tim.trimmed = testing::joined(kept);
  return tim;
}

// Residues 9 and 10 are both glycine: with 10 gone, the gap must go after 9 (where the chain
// breaks), not before it.
TEST(StructureReader, PlacesObservedResiduesInSeqres) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const TrimmedTim tim = trimmed_tim();
  const Record full = read_structure(testing::shared_data("structures/scope_domains/1tim.pdb.gz")).records.at(0);
  const Dataset data = read_structure(dir.write("1tim_cut.pdb", tim.trimmed));
  const Record& chain = data.records.at(0);
  EXPECT_EQ(chain.sequence, full.sequence);
  std::vector<std::size_t> expected;
  for (const auto& number : tim.removed) {
    expected.push_back(
        static_cast<std::size_t>(std::find(tim.numbers.begin(), tim.numbers.end(), number) - tim.numbers.begin()));
  }
  EXPECT_EQ(masked_positions(chain), expected);
  EXPECT_EQ(chain.ca[7], testing::coordinates_in_text(tim.original, 'A', "9", "CA"));
  EXPECT_EQ(chain.ca[9], testing::coordinates_in_text(tim.original, 'A', "11", "CA"));
  for (std::size_t i : expected) {
    EXPECT_EQ(chain.cb_mask[i], 0);
    EXPECT_EQ(chain.labels.at("ss4")[i], -1);
    EXPECT_EQ(chain.labels.at("binding_site")[i], -1);
  }
  EXPECT_FALSE(has_note(data, "chain A")) << all_notes(data);
  // Chain B is untouched.
  EXPECT_EQ(masked(data.records.at(1)), 0u);
}

// The same file through gemmi's mmCIF writer: entity_poly_seq and label_seq_id place the
// residues, and the records are the PDB file's.
TEST(StructureReader, MmcifPlacesResiduesByLabelSeqId) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const std::string pdb = dir.write("1tim_cut.pdb", trimmed_tim().trimmed);
  gemmi::Structure structure = gemmi::read_structure_file(pdb);
  gemmi::setup_entities(structure);
  gemmi::assign_label_seq_id(structure, false);
  const std::string cif = dir.path("1tim_cut.cif");
  {
    std::ofstream out(cif);
    gemmi::cif::write_cif_to_stream(out, gemmi::make_mmcif_document(structure), gemmi::cif::Style::Pdbx);
  }
  ASSERT_TRUE(testing::contains(testing::read_bytes(cif), "_entity_poly_seq.mon_id"));
  const Dataset from_pdb = read_structure(pdb);
  const Dataset from_cif = read_structure(cif);
  ASSERT_EQ(from_cif.records.size(), 2u);
  for (std::size_t r = 0; r < 2; ++r) {
    EXPECT_EQ(from_cif.records[r].id, from_pdb.records[r].id);
    EXPECT_EQ(from_cif.records[r].sequence, from_pdb.records[r].sequence);
    EXPECT_EQ(from_cif.records[r].ca_mask, from_pdb.records[r].ca_mask);
    EXPECT_EQ(from_cif.records[r].ca, from_pdb.records[r].ca);
    EXPECT_EQ(from_cif.records[r].labels, from_pdb.records[r].labels);
  }
}

TEST(StructureReader, SeqresThatDoesNotFitIsNotedAndSetAside) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const std::string original = testing::read_gzip(testing::shared_data("structures/scope_domains/1tim.pdb.gz"));
  std::vector<std::string> lines;
  for (const auto& line : testing::lines_of(original)) {
    // Chain A's SEQRES becomes glycines only: no alignment holds the observed residues.
    if (line.compare(0, 6, "SEQRES") == 0 && line[11] == 'A') {
      std::string glycines = line;
      for (std::size_t column = 19; column + 3 <= glycines.size() && column < 70; column += 4)
        if (glycines.substr(column, 3) != "   ") glycines.replace(column, 3, "GLY");
      lines.push_back(glycines);
    } else {
      lines.push_back(line);
    }
  }
  const Dataset data = read_structure(dir.write("1tim_gly.pdb", testing::joined(lines)));
  EXPECT_TRUE(has_note(data, "chain A: ")) << all_notes(data);
  EXPECT_TRUE(has_note(data, "sequence from the coordinates")) << all_notes(data);
  EXPECT_EQ(data.records.at(0).sequence.substr(0, 30), "APRKFFVGGNWKMNGKRKSLGELIHTLDGA");
  EXPECT_EQ(masked(data.records.at(0)), 0u);
}

TEST(StructureReader, NumberingJumpsAreNotedWithoutSeqres) {
  BERTOLOGY_REQUIRE_THESEUS_EXAMPLES();
  // LDH numbering skips numbers along a continuous backbone.
  const Dataset ldh = read_structure(testing::kTheseusExamples + "/ldh/1a5z_A.pdb.gz");
  EXPECT_TRUE(has_note(ldh, "chain A: no full sequence in the file; residue numbering jumps at 80->83, 103->105"))
      << all_notes(ldh);
  EXPECT_FALSE(has_note(ldh, "(chain break)")) << all_notes(ldh);

  // Cut residues 100-102 out: a real gap, reported as a chain break, and not in the sequence.
  ScratchDir dir;
  const std::string text = testing::read_gzip(testing::kTheseusExamples + "/ldh/1a5z_A.pdb.gz");
  std::vector<std::string> kept;
  for (const auto& line : testing::lines_of(text)) {
    const std::string number = testing::is_atom_line(line) ? testing::residue_number(line) : "";
    if (number != "100" && number != "101" && number != "102") kept.push_back(line);
  }
  const Dataset cut = read_structure(dir.write("1a5z_cut.pdb", testing::joined(kept)));
  EXPECT_TRUE(has_note(cut, "99->103 (chain break)")) << all_notes(cut);
  EXPECT_EQ(cut.records.at(0).sequence.size(), 309u);
}

TEST(StructureReader, ChainSelection) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  const std::string tim = testing::shared_data("structures/scope_domains/1tim.pdb.gz");
  StructureOptions options;
  options.chains = {"B"};
  const Dataset b = read_structure(tim, options);
  ASSERT_EQ(b.records.size(), 1u);
  EXPECT_EQ(b.records[0].id, "1tim_B");

  options.chains = {"B", "Z", "A"};
  const Dataset both = read_structure(tim, options);
  ASSERT_EQ(both.records.size(), 2u);
  EXPECT_EQ(both.records[0].id, "1tim_B");  // in the order asked
  EXPECT_EQ(both.records[1].id, "1tim_A");
  EXPECT_TRUE(has_note(both, "chain Z: asked for, but not a protein chain")) << all_notes(both);

  options.chains = {"Z"};
  EXPECT_ERROR_AT(error_from([&] { read_structure(tim, options); }), tim, "", 0, "none of the chains asked for ('Z')");
}

// Chain A cut in two around chain B, and a chain C of one residue.
TEST(StructureReader, SplitChainsAreJoinedAndOneResidueChainsKept) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const std::string original = testing::read_gzip(testing::shared_data("structures/scope_domains/1tim.pdb.gz"));
  std::vector<std::string> head, tail_of_a, rest;
  for (const auto& line : testing::lines_of(original)) {
    if (line.compare(0, 3, "END") == 0 && line.compare(0, 6, "ENDMDL") != 0) continue;
    const bool late_a =
        testing::is_atom_line(line) && testing::chain_of(line) == 'A' && std::stoi(line.substr(22, 4)) >= 200;
    if (late_a) {
      tail_of_a.push_back(line);
    } else if (testing::is_atom_line(line) && testing::chain_of(line) == 'B') {
      rest.push_back(line);
    } else if (rest.empty()) {
      head.push_back(line);
    } else {
      rest.push_back(line);
    }
  }
  std::vector<std::string> lines = head;
  lines.insert(lines.end(), rest.begin(), rest.end());
  lines.insert(lines.end(), tail_of_a.begin(), tail_of_a.end());
  lines.push_back(testing::atom_line("ATOM", 9001, " N  ", ' ', "ALA", 'C', 1, 80.0, 80.0, 80.0, 1.0, "N"));
  lines.push_back(testing::atom_line("ATOM", 9002, " CA ", ' ', "ALA", 'C', 1, 81.2, 80.5, 80.0, 1.0, "C"));
  lines.push_back(testing::atom_line("ATOM", 9003, " C  ", ' ', "ALA", 'C', 1, 82.4, 79.7, 80.3, 1.0, "C"));
  lines.push_back(testing::atom_line("ATOM", 9004, " O  ", ' ', "ALA", 'C', 1, 82.5, 78.5, 80.1, 1.0, "O"));
  lines.push_back(testing::atom_line("ATOM", 9005, " CB ", ' ', "ALA", 'C', 1, 81.1, 81.9, 80.6, 1.0, "C"));
  lines.push_back("END");
  const Dataset data = read_structure(dir.write("1tim_split.pdb", testing::joined(lines)));
  const Dataset reference = read_structure(testing::shared_data("structures/scope_domains/1tim.pdb.gz"));
  ASSERT_EQ(data.records.size(), 3u);
  EXPECT_EQ(data.records[0].id, "1tim_split_A");
  EXPECT_EQ(data.records[0].sequence, reference.records[0].sequence);
  EXPECT_EQ(data.records[0].ca, reference.records[0].ca);
  EXPECT_TRUE(has_note(data, "chain A: amino acids in 2 separate parts of the file; joined")) << all_notes(data);
  const Record& lone = data.records[2];
  EXPECT_EQ(lone.id, "1tim_split_C");
  EXPECT_EQ(lone.sequence, "A");
  EXPECT_EQ(lone.cb[0], (std::array<double, 3>{81.1, 81.9, 80.6}));
  EXPECT_EQ(lone.labels.at("ss4"), (std::vector<std::int8_t>{3}));  // a lone residue is coil
}

TEST(StructureReader, KeepsTheHighestOccupancyConformer) {
  BERTOLOGY_REQUIRE_THESEUS_EXAMPLES();
  ScratchDir dir;
  // ARG 169 of 3h3j_B has altlocs A and B at 0.50 each: the first wins a tie. Raised to 0.60, B wins.
  const std::string text = testing::read_gzip(testing::kTheseusExamples + "/ldh/3h3j_B.pdb.gz");
  const auto numbers = testing::numbers_with_ca(text, 'B');
  const auto at = static_cast<std::size_t>(std::find(numbers.begin(), numbers.end(), "169") - numbers.begin());
  const Record tie = read_structure(dir.write("tie.pdb", text)).records.at(0);
  EXPECT_EQ(tie.ca[at], (std::array<double, 3>{-10.627, -4.321, -29.565}));
  std::vector<std::string> lines;
  for (auto line : testing::lines_of(text)) {
    if (testing::is_atom_line(line) && testing::residue_number(line) == "169" && line[16] != ' ')
      line.replace(54, 6, line[16] == 'B' ? "  0.60" : "  0.40");
    lines.push_back(line);
  }
  const Record raised = read_structure(dir.write("raised.pdb", testing::joined(lines))).records.at(0);
  EXPECT_EQ(raised.ca[at], (std::array<double, 3>{-10.571, -4.273, -29.593}));
  EXPECT_EQ(raised.cb[at], (std::array<double, 3>{-12.099, -4.233, -29.454}));
  EXPECT_EQ(raised.sequence, tie.sequence);

  // Two residue types at one number (microheterogeneity): the more occupied one stays.
  std::vector<std::string> hetero;
  hetero.push_back(testing::atom_line("ATOM", 1, " CA ", ' ', "GLY", 'A', 1, 0.0, 0.0, 0.0, 1.0, "C"));
  hetero.push_back(testing::atom_line("ATOM", 2, " CA ", 'A', "SER", 'A', 2, 3.8, 0.0, 0.0, 0.3, "C"));
  hetero.push_back(testing::atom_line("ATOM", 3, " CB ", 'A', "SER", 'A', 2, 3.8, 1.5, 0.0, 0.3, "C"));
  hetero.push_back(testing::atom_line("ATOM", 4, " CA ", 'B', "THR", 'A', 2, 3.9, 0.1, 0.0, 0.7, "C"));
  hetero.push_back(testing::atom_line("ATOM", 5, " CB ", 'B', "THR", 'A', 2, 3.9, 1.6, 0.0, 0.7, "C"));
  hetero.push_back(testing::atom_line("ATOM", 6, " CA ", ' ', "GLY", 'A', 3, 7.6, 0.0, 0.0, 1.0, "C"));
  const Dataset micro = read_structure(dir.write("micro.pdb", testing::joined(hetero)));
  EXPECT_EQ(micro.records.at(0).sequence, "GTG");
  EXPECT_EQ(micro.records.at(0).ca[1], (std::array<double, 3>{3.9, 0.1, 0.0}));
  EXPECT_TRUE(has_note(micro, "SER 2 shares its number with THR; kept THR")) << all_notes(micro);
}

TEST(StructureReader, CbetaIsCalphaForGlycine) {
  BERTOLOGY_REQUIRE_THESEUS_EXAMPLES();
  const std::string path = testing::kTheseusExamples + "/ldh/1a5z_A.pdb.gz";
  const std::string text = testing::read_gzip(path);
  const auto numbers = testing::numbers_with_ca(text, 'A');
  const Record ldh = read_structure(path).records.at(0);
  auto index = [&](const std::string& number) {
    return static_cast<std::size_t>(std::find(numbers.begin(), numbers.end(), number) - numbers.begin());
  };
  ASSERT_EQ(ldh.sequence[index("27")], 'V');
  ASSERT_EQ(ldh.sequence[index("28")], 'G');
  EXPECT_EQ(ldh.cb[index("27")], testing::coordinates_in_text(text, 'A', "27", "CB"));
  EXPECT_EQ(ldh.cb[index("28")], testing::coordinates_in_text(text, 'A', "28", "CA"));
  EXPECT_EQ(ldh.cb[index("28")], ldh.ca[index("28")]);
  std::size_t glycines = 0, others = 0;
  for (std::size_t i = 0; i < ldh.sequence.size(); ++i) {
    EXPECT_EQ(ldh.cb_mask[i], 1) << i;
    (ldh.sequence[i] == 'G' ? glycines : others) += ldh.cb[i] == ldh.ca[i];
  }
  EXPECT_EQ(glycines, static_cast<std::size_t>(std::count(ldh.sequence.begin(), ldh.sequence.end(), 'G')));
  EXPECT_EQ(others, 0u);
}

// A TIM barrel: eight strands inside, eight helices outside.
TEST(StructureReader, SecondaryStructureOfATimBarrel) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  const Record tim = read_structure(testing::shared_data("structures/scope_domains/1tim.pdb.gz")).records.at(0);
  const auto& ss4 = tim.labels.at("ss4");
  std::array<std::size_t, 4> classes{};
  for (auto value : ss4) {
    ASSERT_GE(value, 0);
    ASSERT_LE(value, 3);
    ++classes[static_cast<std::size_t>(value)];
  }
  EXPECT_GT(classes[0], 80u);  // helix
  EXPECT_GT(classes[1], 30u);  // strand
  // Strand runs of at least 3 residues: the barrel's 8 strands, at least.
  std::size_t runs = 0, length = 0;
  for (auto value : ss4) {
    length = value == 1 ? length + 1 : 0;
    runs += length == 3;
  }
  EXPECT_GE(runs, 8u);
}

TEST(StructureReader, SourcesChainsAndCbetaRoundTripThroughTheCorpusFile) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const TrimmedTim tim = trimmed_tim();
  const std::string source = dir.write("1tim_cut.pdb", tim.trimmed);
  Dataset data = read_structure(source);
  const std::string corpus_path = dir.path("corpus.h5");
  corpus::write_corpus(corpus_path, data, {}, false);
  corpus::CorpusReader reader(corpus_path);
  const corpus::CorpusMetadata metadata = reader.read_metadata();
  EXPECT_TRUE(metadata.has_coordinates);
  EXPECT_TRUE(metadata.has_cb);
  ASSERT_EQ(metadata.schemas.size(), data.schemas.size());
  for (const auto& written : data.schemas) {
    auto read = std::find_if(metadata.schemas.begin(), metadata.schemas.end(),
                             [&](const corpus::LabelSchema& s) { return s.name == written.name; });
    ASSERT_NE(read, metadata.schemas.end()) << written.name;
    EXPECT_EQ(read->description, written.description);
    EXPECT_EQ(read->classes, written.classes);
  }
  const std::vector<Record> back = reader.read_range(0, 2);
  ASSERT_EQ(back.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const Record& written = data.records[k];
    EXPECT_EQ(back[k].id, written.id);
    EXPECT_EQ(back[k].source, source);
    EXPECT_EQ(back[k].chain, written.chain);
    EXPECT_EQ(back[k].cb, written.cb);
    EXPECT_EQ(back[k].cb_mask, written.cb_mask);
    EXPECT_EQ(back[k].labels, written.labels);
  }
}

TEST(StructureReader, BrokenFilesAreErrorsNamingTheFile) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  ScratchDir dir;
  const std::string gz = testing::read_bytes(testing::shared_data("structures/scope_domains/1tim.pdb.gz"));
  const std::string truncated_gz = dir.write("1tim_cut.pdb.gz", gz.substr(0, gz.size() / 2));
  EXPECT_ERROR_AT(error_from([&] { read_structure(truncated_gz); }), truncated_gz, "", 0, "truncated or corrupt gzip");

  const std::string pdb = testing::read_bytes(testing::shared_data("structures/pfam_domains/PF00013_1WVN_A.pdb"));
  const std::string cut_line = dir.write("cut.pdb", pdb.substr(0, pdb.find("ATOM      3") + 40));
  EXPECT_ERROR_AT(error_from([&] { read_structure(cut_line); }), cut_line, "", 0, "too short");

  const std::string waters =
      dir.write("water.pdb", "HETATM    1  O   HOH A 101       9.000   9.000   9.000  1.00 10.00           O\nEND\n");
  EXPECT_ERROR_AT(error_from([&] { read_structure(waters); }), waters, "", 0, "no protein chain");

  const std::string header_only = dir.write("header.pdb",
                                            "HEADER    HYDROLASE                               01-JAN-00   1ABC\n"
                                            "SEQRES   1 A    3  ALA GLY SER\nEND\n");
  EXPECT_ERROR_AT(error_from([&] { read_structure(header_only); }), header_only, "", 0, "no coordinates");

  const std::string fasta = dir.write("sequence.pdb", ">1abc_A\nMKVLAAGIVG\n");
  EXPECT_ERROR_AT(error_from([&] { read_structure(fasta); }), fasta, "", 0, "no coordinates");

  const std::string garbage = dir.write("garbage.cif", "data_x\nloop_\n_atom_site.id\n_atom_site.Cartn_x\n1\n");
  EXPECT_ERROR_AT(error_from([&] { read_structure(garbage); }), garbage, "", 0, "cannot parse mmCIF");

  const std::string pdb_as_cif = dir.write("1wvn.cif", pdb);
  EXPECT_ERROR_AT(error_from([&] { read_structure(pdb_as_cif); }), pdb_as_cif, "", 0, "cannot parse mmCIF");

  const std::string empty = dir.write("empty.pdb", "");
  EXPECT_ERROR_AT(error_from([&] { read_structure(empty); }), empty, "", 0, "empty file");

  const std::string missing = dir.path("missing.pdb");
  EXPECT_ERROR_AT(error_from([&] { read_structure(missing); }), missing, "", 0, "no such file");

  StructureOptions negative;
  negative.ligand_distance = -1;
  const std::string good = testing::shared_data("structures/pfam_domains/PF00013_1WVN_A.pdb");
  EXPECT_ERROR_AT(error_from([&] { read_structure(good, negative); }), good, "", 0, "ligand distance");
  EXPECT_THROW(parse_binding_site_source("sites"), Error);
  EXPECT_EQ(parse_binding_site_source("annotated"), BindingSiteSource::annotated);
  EXPECT_EQ(binding_site_source_name(BindingSiteSource::ligands), "ligands");
}

// ---------------------------------------------------------------------------------------------
// Number fields: gemmi turns what does not parse into a made-up number; the reader refuses it.

const std::string kTripeptide = testing::test_data("structure/tripeptide.pdb");

// The tripeptide with `field` written over columns `column`.. (1-based, as the PDB format counts
// them) of line `line`: one field made bad, the rest of the file untouched.
std::string tripeptide_with(long line, std::size_t column, const std::string& field) {
  std::vector<std::string> lines = testing::lines_of(testing::read_bytes(kTripeptide));
  std::string& target = lines.at(static_cast<std::size_t>(line - 1));
  if (target.size() < column - 1 + field.size()) target.resize(column - 1 + field.size(), ' ');
  target.replace(column - 1, field.size(), field);
  return testing::joined(lines);
}

// Line 9 is the O of GLY 2; its x is columns 31-38, y 39-46, z 47-54, occupancy 55-60,
// B-factor 61-66, serial 7-11, residue number 23-26.
TEST(StructureReader, TripeptideReadsAsWritten) {
  const std::string text = testing::read_bytes(kTripeptide);
  Dataset data = read_structure(kTripeptide);
  ASSERT_EQ(data.records.size(), 1u);
  const Record& chain = data.records[0];
  EXPECT_EQ(chain.sequence, "MGS");
  EXPECT_EQ(chain.ca_mask, (std::vector<std::uint8_t>{1, 1, 1}));
  const std::vector<std::string> numbers{"1", "2", "3"};
  for (std::size_t k = 0; k < numbers.size(); ++k) {
    EXPECT_EQ(chain.ca[k], testing::coordinates_in_text(text, 'A', numbers[k], "CA")) << numbers[k];
    EXPECT_EQ(chain.cb[k], testing::coordinates_in_text(text, 'A', numbers[k], k == 1 ? "CA" : "CB")) << numbers[k];
  }
}

TEST(StructureReader, GarbageCoordinateIsRefusedWithFileAndLine) {
  ScratchDir dir;
  const std::string plain = dir.write("1abc.pdb", tripeptide_with(9, 31, " abc.def"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(plain); }), plain, "", 9, "x coordinate \"abc.def\" is not a number");
  // Gzipped files take the same path.
  const std::string gzipped = dir.path("1abc.pdb.gz");
  testing::write_gzip(gzipped, tripeptide_with(9, 31, " abc.def"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(gzipped); }), gzipped, "", 9,
                  "x coordinate \"abc.def\" is not a number");
  // A number followed by garbage: gemmi would read 1.5.
  const std::string tail = dir.write("tail.pdb", tripeptide_with(13, 39, "   1.5x "));
  EXPECT_ERROR_AT(error_from([&] { read_structure(tail); }), tail, "", 13, "y coordinate \"1.5x\" is not a number");
  const std::string blank = dir.write("blank.pdb", tripeptide_with(4, 47, "        "));
  EXPECT_ERROR_AT(error_from([&] { read_structure(blank); }), blank, "", 4, "z coordinate is blank");
  // Forced to PDB, a file without the extension is checked too.
  const std::string bare = dir.write("bare", tripeptide_with(9, 31, " abc.def"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(bare, StructureOptions{corpus::Format::pdb}); }), bare, "", 9,
                  "x coordinate \"abc.def\"");
}

TEST(StructureReader, LettersInOccupancyOrBFactorAreRefused) {
  ScratchDir dir;
  const std::string occupancy = dir.write("occupancy.pdb", tripeptide_with(9, 55, "  1.0a"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(occupancy); }), occupancy, "", 9,
                  "occupancy \"1.0a\" is not a number");
  const std::string b_factor = dir.write("b_factor.pdb", tripeptide_with(18, 61, "  ab  "));
  EXPECT_ERROR_AT(error_from([&] { read_structure(b_factor); }), b_factor, "", 18, "B-factor \"ab\" is not a number");
}

TEST(StructureReader, NanAndInfiniteCoordinatesAreRefused) {
  ScratchDir dir;
  const std::string nan = dir.write("nan.pdb", tripeptide_with(7, 31, "     nan"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(nan); }), nan, "", 7, "x coordinate \"nan\" is not a finite number");
  const std::string inf = dir.write("inf.pdb", tripeptide_with(16, 47, "    -inf"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(inf); }), inf, "", 16,
                  "z coordinate \"-inf\" is not a finite number");
}

TEST(StructureReader, SerialAndResidueNumbersMustBeNumbers) {
  ScratchDir dir;
  const std::string serial = dir.write("serial.pdb", tripeptide_with(5, 7, "*****"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(serial); }), serial, "", 5,
                  "atom serial number \"*****\" is not a number");
  const std::string residue = dir.write("residue.pdb", tripeptide_with(10, 23, "  2x"));
  EXPECT_ERROR_AT(error_from([&] { read_structure(residue); }), residue, "", 10,
                  "residue number \"2x\" is not a number");
}

// What the format allows stays readable: blank occupancy and B-factor, a line that ends after z,
// residue numbers out of order, hybrid-36 serials, and whatever follows END (gemmi stops there).
TEST(StructureReader, BlankOccupancyAndOddNumberingAreAccepted) {
  ScratchDir dir;
  std::vector<std::string> lines = testing::lines_of(testing::read_bytes(kTripeptide));
  lines[3].replace(54, 6, "      ");                                       // CA of MET: blank occupancy
  lines[4].replace(60, 6, "      ");                                       // CB of MET: blank B-factor
  lines[5].resize(54);                                                     // N of GLY: nothing after z
  lines[6].replace(6, 5, "A0000");                                         // hybrid-36 serial (100000)
  for (std::size_t k = 11; k <= 15; ++k) lines[k].replace(22, 4, "  -7");  // SER 3 numbered before MET 1
  lines.push_back("ATOM     99  CA  ALA A   9     abc.def   0.000   0.000  1.00 10.00           C");
  const std::string path = dir.write("odd.pdb", testing::joined(lines));
  Dataset data = read_structure(path);
  ASSERT_EQ(data.records.size(), 1u);
  const Record& chain = data.records[0];
  const Record good = read_structure(kTripeptide).records.at(0);
  EXPECT_EQ(chain.sequence, good.sequence);
  EXPECT_EQ(chain.ca, good.ca);
  EXPECT_EQ(chain.cb, good.cb);
  EXPECT_EQ(chain.ca_mask, good.ca_mask);
}

TEST(StructureReader, MmcifCoordinatesMustBeFiniteNumbers) {
  ScratchDir dir;
  const std::string good_x = " 1.500 2.500 3.250 ";
  ASSERT_NE(kSmallMmcif.find(good_x), std::string::npos);
  const std::vector<std::pair<std::string, std::string>> cases{{" abc.def 2.500 3.250 ", "x coordinate \"abc.def\""},
                                                               {" ? 2.500 3.250 ", "x coordinate \"?\""},
                                                               {" 1.500 . 3.250 ", "y coordinate \".\""},
                                                               {" 1.500 2.500 1.5x ", "z coordinate \"1.5x\""}};
  for (const auto& [coordinates, fragment] : cases) {
    SCOPED_TRACE(coordinates);
    std::string text = kSmallMmcif;
    text.replace(text.find(good_x), good_x.size(), coordinates);
    const std::string path = dir.write("bad.cif", text);
    Error error = error_from([&] { read_structure(path); });
    EXPECT_ERROR_AT(error, path, "", 0, "atom 2 (CA MET A 1): " + fragment + " is not a number");
  }
}

}  // namespace
}  // namespace bertology::structure

// Our DSSP against constructed geometry and against Debian's mkdssp (4.2.2) on real structures.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include <gemmi/mmread.hpp>
#include <gemmi/resinfo.hpp>

#include "bertology/structure/dssp.h"
#include "test_paths.h"

namespace bertology::structure {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Constructed geometry: a backbone from φ/ψ with standard bond lengths and angles (Engh & Huber).

Point operator+(const Point& a, const Point& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
Point operator-(const Point& a, const Point& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Point operator*(double s, const Point& a) { return {s * a[0], s * a[1], s * a[2]}; }
Point cross(const Point& a, const Point& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
Point unit(const Point& a) { return (1 / std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])) * a; }
double radians(double degrees) { return degrees * M_PI / 180; }

// The atom d bonded to c at `length`, with angle b-c-d and torsion a-b-c-d (degrees).
Point place(const Point& a, const Point& b, const Point& c, double length, double angle, double torsion) {
  Point bc = unit(c - b);
  Point normal = unit(cross(b - a, bc));
  Point in_plane = cross(normal, bc);
  double theta = radians(angle), chi = radians(torsion);
  Point local = {-length * std::cos(theta), length * std::sin(theta) * std::cos(chi),
                 length * std::sin(theta) * std::sin(chi)};
  return c + local[0] * bc + local[1] * in_plane + local[2] * normal;
}

std::vector<BackboneResidue> ideal_chain(int count, double phi, double psi) {
  std::vector<BackboneResidue> chain(static_cast<std::size_t>(count));
  Point n{0, 0, 0}, ca{1.458, 0, 0};
  Point c = place({0, 1, 0}, n, ca, 1.525, 111.2, 0);
  for (int k = 0; k < count; ++k) {
    BackboneResidue& r = chain[static_cast<std::size_t>(k)];
    r.chain = "A";
    r.sequence_number = k + 1;
    r.amino_acid = 'A';
    r.n = n, r.ca = ca, r.c = c;
    r.o = place(n, ca, c, 1.231, 120.5, psi + 180);
    Point next_n = place(n, ca, c, 1.329, 116.2, psi);
    Point next_ca = place(ca, c, next_n, 1.458, 121.7, 180);
    Point next_c = place(c, next_n, next_ca, 1.525, 111.2, phi);
    n = next_n, ca = next_ca, c = next_c;
  }
  return chain;
}

std::string repeat(char state, int count) { return std::string(static_cast<std::size_t>(count), state); }

TEST(Dssp, EmptyInputGivesEmptyString) { EXPECT_EQ(assign_secondary_structure({}), ""); }

TEST(Dssp, IdealAlphaHelixIsHelixBetweenItsEnds) {
  // Every N–H(i+4) · · · O=C(i) bond forms; the first and last residue lie outside both turns.
  EXPECT_EQ(assign_secondary_structure(ideal_chain(20, -57.8, -47.0)), " " + repeat('H', 18) + " ");
}

TEST(Dssp, IdealThreeTenHelixIsG) {
  EXPECT_EQ(assign_secondary_structure(ideal_chain(20, -49.0, -26.0)), " " + repeat('G', 18) + " ");
}

TEST(Dssp, PiHelixTakesPriorityOverAlpha) {
  // This π geometry also closes the i→i+4 bonds, so α is assigned first and π must replace it.
  auto chain = ideal_chain(20, -57.1, -69.7);
  std::string states = assign_secondary_structure(chain);
  EXPECT_EQ(states.substr(2, 15), repeat('I', 15)) << "'" << states << "'";
}

TEST(Dssp, ExtendedStrandAloneIsNotASheet) {
  std::string states = assign_secondary_structure(ideal_chain(12, -139.0, 135.0));
  EXPECT_EQ(states.find_first_of("EBHGI"), std::string::npos) << "'" << states << "'";
}

TEST(Dssp, ChainChangeStopsTheHelix) {
  auto chain = ideal_chain(30, -57.8, -47.0);
  for (std::size_t k = 15; k < chain.size(); ++k) chain[k].chain = "B";
  EXPECT_EQ(assign_secondary_structure(chain), " " + repeat('H', 13) + "  " + repeat('H', 13) + " ");
}

TEST(Dssp, LongPeptideBondIsAChainBreak) {
  auto chain = ideal_chain(30, -57.8, -47.0);
  for (std::size_t k = 15; k < chain.size(); ++k)
    for (auto* atom : {&chain[k].n, &chain[k].ca, &chain[k].c, &chain[k].o}) **atom = **atom + Point{0, 0, 12};
  EXPECT_EQ(assign_secondary_structure(chain), " " + repeat('H', 13) + "  " + repeat('H', 13) + " ");
}

TEST(Dssp, ResidueWithoutOxygenIsBlankAndBreaksTheChain) {
  auto chain = ideal_chain(31, -57.8, -47.0);
  chain[15].o.reset();
  EXPECT_EQ(assign_secondary_structure(chain), " " + repeat('H', 13) + "   " + repeat('H', 13) + " ");
}

TEST(Dssp, ProlineDonatesNoHydrogenBond) {
  // Prolines at 4 and 5 lose the bonds to 0 and 1: the helix starts one turn later.
  auto chain = ideal_chain(20, -57.8, -47.0);
  chain[4].amino_acid = chain[5].amino_acid = 'P';
  std::string states = assign_secondary_structure(chain);
  EXPECT_EQ(states.substr(0, 3), "   ") << "'" << states << "'";
  EXPECT_EQ(states.substr(3, 16), repeat('H', 16)) << "'" << states << "'";
}

// ---------------------------------------------------------------------------------------------
// Comparison with mkdssp on real structures.

// The secondary-structure class of DESIGN.md.
char four_class(char state) {
  switch (state) {
    case 'H': case 'G': case 'I': return 'H';
    case 'E': case 'B': return 'E';
    case 'T': case 'S': return 'T';
    default: return 'C';
  }
}

std::string read_maybe_gzipped(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) return {};
  std::string text;
  char chunk[1 << 16];
  int got;
  while ((got = gzread(file.get(), chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<std::size_t>(got));
  return text;
}

// A model's amino-acid residues as our DSSP takes them, with what mkdssp needs to read them.
struct Model {
  std::vector<BackboneResidue> residues;
  std::vector<std::string> names;  // residue names (mkdssp knows proline as PRO)
  std::vector<char> het_flags;     // 'A' ATOM or 'H' HETATM
};

// First model, amino-acid residues (first conformer of microheterogeneity), and of each
// backbone atom the altloc with the highest occupancy (the first on ties).
Model read_model(const std::string& path) {
  std::string text = read_maybe_gzipped(path);
  if (gemmi::coor_format_from_content(text.data(), text.data() + text.size()) == gemmi::CoorFormat::Pdb) {
    // Columns 73-80 (segment, element, charge) are not needed here, and some files fill them
    // with serial numbers that gemmi rejects as a charge.
    std::istringstream lines(text);
    std::string line, cleaned;
    while (std::getline(lines, line)) {
      if ((line.rfind("ATOM  ", 0) == 0 || line.rfind("HETATM", 0) == 0) && line.size() > 72) line.resize(72);
      cleaned += line + '\n';
    }
    text = cleaned;
  }
  gemmi::Structure structure = gemmi::read_structure_from_char_array(text.data(), text.size(), path);
  Model model;
  if (structure.models.empty()) return model;
  for (const gemmi::Chain& chain : structure.models.front().chains) {
    for (const gemmi::Residue& residue : chain.first_conformer()) {
      gemmi::ResidueInfo info = gemmi::find_tabulated_residue(residue.name);
      if (!info.is_amino_acid()) continue;
      BackboneResidue r;
      r.chain = chain.name;
      r.sequence_number = residue.seqid.num.value;
      r.insertion_code = residue.seqid.icode;
      r.amino_acid = static_cast<char>(std::toupper(static_cast<unsigned char>(info.one_letter_code)));
      auto pick = [&](const char* name) -> std::optional<Point> {
        const gemmi::Atom* best = nullptr;
        for (const gemmi::Atom& atom : residue.atoms)
          if (atom.name == name && (!best || atom.occ > best->occ)) best = &atom;
        if (!best) return std::nullopt;
        return Point{best->pos.x, best->pos.y, best->pos.z};
      };
      r.n = pick("N"), r.ca = pick("CA"), r.c = pick("C"), r.o = pick("O");
      model.residues.push_back(r);
      model.names.push_back(residue.name);
      model.het_flags.push_back(residue.het_flag == 'H' ? 'H' : 'A');
    }
  }
  return model;
}

using ResidueKey = std::tuple<std::string, int, char>;  // chain, number, insertion code

// mkdssp 4.2.2 is given not the original file but a PDB file written here from the atoms we
// use: it needs HEADER and CRYST1 records, rejects blank chain ids and some record orders, ran
// away past 8 GB on a file without END, and takes the LAST altloc of an atom where we take the
// highest occupancy. A clean copy of the same atoms makes the comparison one of the DSSP
// algorithms alone. Chains get one-letter ids (the classic DSSP format has one column for them).
std::map<char, std::string> write_pdb_for_mkdssp(const Model& model, const std::string& path) {
  const std::string letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::map<std::string, char> letter_of;
  std::map<char, std::string> chain_of;
  std::ofstream out(path);
  out << "HEADER    BERTOLOGY DSSP TEST                     01-JAN-00   TEST              \n"
      << "CRYST1    1.000    1.000    1.000  90.00  90.00  90.00 P 1           1          \n";
  int serial = 0;
  for (std::size_t k = 0; k < model.residues.size(); ++k) {
    const BackboneResidue& r = model.residues[k];
    if (!letter_of.count(r.chain)) {
      if (k > 0) out << "TER\n";
      char letter = letters.at(letter_of.size());
      letter_of[r.chain] = letter;
      chain_of[letter] = r.chain;
    }
    for (auto [name, atom] : {std::pair{" N  ", r.n}, std::pair{" CA ", r.ca}, std::pair{" C  ", r.c}, std::pair{" O  ", r.o}}) {
      if (!atom) continue;
      char line[96];
      std::snprintf(line, sizeof line, "%-6s%5d %4s %3s %c%4d%c   %8.3f%8.3f%8.3f  1.00  0.00           %c  \n",
                    model.het_flags[k] == 'H' ? "HETATM" : "ATOM", ++serial % 100000, name, model.names[k].c_str(),
                    letter_of[r.chain], r.sequence_number, r.insertion_code, (*atom)[0], (*atom)[1], (*atom)[2], name[1]);
      out << line;
    }
  }
  out << "TER\nEND\n";
  return chain_of;
}

bool mkdssp_installed() { return std::system("command -v mkdssp > /dev/null 2>&1") == 0; }

// mkdssp's 8-state assignment by residue, or a message saying why there is none. It runs under
// a 60 s timeout and a 4 GB address-space limit.
std::map<ResidueKey, char> run_mkdssp(const std::string& pdb, const std::map<char, std::string>& chain_of,
                                      std::string& failure) {
  std::string output = pdb + ".dssp", log = pdb + ".log";
  std::string command = "ulimit -v 4000000; timeout 60 mkdssp --output-format dssp '" + pdb + "' '" + output +
                        "' > '" + log + "' 2>&1";
  std::map<ResidueKey, char> states;
  if (std::system(command.c_str()) != 0) {
    failure = "mkdssp failed: " + read_maybe_gzipped(log);
    return states;
  }
  std::ifstream in(output);
  std::string line;
  bool residues = false;
  while (std::getline(in, line)) {
    if (!residues) {
      residues = line.rfind("  #  RESIDUE", 0) == 0;
      continue;
    }
    if (line.size() < 17 || line[13] == '!') continue;
    // PPII ('P', a mkdssp 4 addition) is only given to residues DSSP leaves blank.
    char state = line[16] == 'P' ? ' ' : line[16];
    states[{chain_of.at(line[11]), std::stoi(line.substr(5, 5)), line[10]}] = state;
  }
  if (states.empty()) failure = "no residues in mkdssp output";
  return states;
}

struct Agreement {
  long compared = 0, same_state = 0, same_class = 0, only_ours = 0, only_mkdssp = 0;
  double our_seconds = 0;
  std::vector<std::string> disagreements, failures;

  void add(const Agreement& other) {
    compared += other.compared, same_state += other.same_state, same_class += other.same_class;
    only_ours += other.only_ours, only_mkdssp += other.only_mkdssp, our_seconds += other.our_seconds;
    disagreements.insert(disagreements.end(), other.disagreements.begin(), other.disagreements.end());
    failures.insert(failures.end(), other.failures.begin(), other.failures.end());
  }
  double state_rate() const { return compared ? double(same_state) / compared : 0; }
  double class_rate() const { return compared ? double(same_class) / compared : 0; }
};

std::string show(char state) { return state == ' ' ? "' '" : std::string(1, state); }

Agreement compare_file(const fs::path& file, const fs::path& scratch) {
  Agreement result;
  Model model = read_model(file.string());
  auto start = std::chrono::steady_clock::now();
  std::string ours = assign_secondary_structure(model.residues);
  result.our_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string pdb = (scratch / (file.filename().string() + ".pdb")).string();
  auto chain_of = write_pdb_for_mkdssp(model, pdb);
  std::string failure;
  std::map<ResidueKey, char> theirs = run_mkdssp(pdb, chain_of, failure);
  if (!failure.empty()) {
    result.failures.push_back(file.string() + ": " + failure);
    return result;
  }
  std::size_t matched = 0;
  for (std::size_t k = 0; k < model.residues.size(); ++k) {
    const BackboneResidue& r = model.residues[k];
    auto found = theirs.find({r.chain, r.sequence_number, r.insertion_code});
    if (found == theirs.end()) {
      ++result.only_ours;
      continue;
    }
    ++matched;
    ++result.compared;
    char mine = ours[k], reference = found->second;
    result.same_state += mine == reference;
    result.same_class += four_class(mine) == four_class(reference);
    if (mine != reference) {
      std::ostringstream line;
      line << file.parent_path().filename().string() << '/' << file.filename().string() << " chain " << r.chain
           << " residue " << r.sequence_number << (r.insertion_code == ' ' ? "" : std::string(1, r.insertion_code))
           << ": ours " << show(mine) << ", mkdssp " << show(reference);
      result.disagreements.push_back(line.str());
    }
  }
  result.only_mkdssp = static_cast<long>(theirs.size() - matched);
  return result;
}

bool is_structure_file(const fs::path& path) {
  std::string name = path.filename().string();
  for (const char* extension : {".pdb", ".ent", ".cif", ".pdb.gz", ".ent.gz", ".cif.gz"}) {
    std::string e = extension;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

// Every structure file under `root`, by data set (its folder), compared and summarised.
Agreement compare_tree(const fs::path& root) {
  fs::path scratch = fs::temp_directory_path() / ("bertology_dssp_" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  std::map<std::string, std::vector<fs::path>> data_sets;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file() && is_structure_file(entry.path()))
      data_sets[fs::relative(entry.path().parent_path(), root).string()].push_back(entry.path());

  Agreement total;
  for (auto& [name, files] : data_sets) {
    std::sort(files.begin(), files.end());
    Agreement set;
    for (const fs::path& file : files) set.add(compare_file(file, scratch));
    std::printf("%s: %zu files, %ld residues compared, 8-state %.2f%%, 4-class %.2f%%, only ours %ld, only mkdssp %ld, "
                "ours %.1f ms in all\n",
                name.c_str(), files.size(), set.compared, 100 * set.state_rate(), 100 * set.class_rate(),
                set.only_ours, set.only_mkdssp, 1000 * set.our_seconds);
    total.add(set);
  }
  fs::remove_all(scratch);
  std::printf("all: %ld residues compared, 8-state %.2f%%, 4-class %.2f%%; %zu disagreements:\n", total.compared,
              100 * total.state_rate(), 100 * total.class_rate(), total.disagreements.size());
  for (const std::string& line : total.disagreements) std::printf("  %s\n", line.c_str());
  return total;
}

void expect_agreement(const Agreement& total) {
  for (const std::string& failure : total.failures) ADD_FAILURE() << failure;
  EXPECT_GT(total.compared, 0);
  EXPECT_GE(total.state_rate(), 0.98) << "8-state agreement with mkdssp";
  EXPECT_GE(total.class_rate(), 0.99) << "4-class agreement with mkdssp";
}

TEST(DsspAgreement, SharedStructuresMatchMkdssp) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  if (!mkdssp_installed()) GTEST_SKIP() << "skipped: mkdssp not installed (Debian package dssp)";
  expect_agreement(compare_tree(testing::shared_data("structures")));
}

// Any other directory of structures, e.g. BERTOLOGY_DSSP_COMPARE_DIR=/usr/share/doc/theseus/examples.
TEST(DsspAgreement, DirectoryFromEnvironmentMatchesMkdssp) {
  const char* directory = std::getenv("BERTOLOGY_DSSP_COMPARE_DIR");
  if (!directory) GTEST_SKIP() << "skipped: set BERTOLOGY_DSSP_COMPARE_DIR to compare another directory";
  if (!mkdssp_installed()) GTEST_SKIP() << "skipped: mkdssp not installed (Debian package dssp)";
  expect_agreement(compare_tree(directory));
}

}  // namespace
}  // namespace bertology::structure

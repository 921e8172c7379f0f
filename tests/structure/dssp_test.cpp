// Our DSSP against constructed geometry and against Debian's mkdssp (4.2.2) on real structures.
#include "bertology/structure/dssp.h"

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
#include <gemmi/mmread.hpp>
#include <gemmi/resinfo.hpp>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

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

TEST(Dssp, IdealPiHelixIsI) {
  EXPECT_EQ(assign_secondary_structure(ideal_chain(20, -57.1, -69.7)), " " + repeat('I', 18) + " ");
}

TEST(Dssp, PiHelixTakesPriorityOverAlpha) {
  // Between α and π: both the i→i+4 and the i→i+5 bonds form, so α is assigned first and π
  // replaces it (mkdssp ≥ 2.1; DSSP 2.0 and Kabsch & Sander kept α).
  EXPECT_EQ(assign_secondary_structure(ideal_chain(20, -57.0, -61.0)), " " + repeat('I', 18) + " ");
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
  // Prolines at 4 and 5 lose the bonds to 0 and 1, so the helix starts one residue later;
  // residue 2 is then in no turn and shows the bend every α-helix has (κ ≈ 109°).
  auto chain = ideal_chain(20, -57.8, -47.0);
  chain[4].amino_acid = chain[5].amino_acid = 'P';
  EXPECT_EQ(assign_secondary_structure(chain), "  S" + repeat('H', 16) + " ");
}

// Fragments of real structures (N, CA, C, O; P marks proline), expected states from mkdssp 4.2.2
// run on each fragment alone.
struct FragmentResidue {
  char amino_acid;
  Point atoms[4];  // N, CA, C, O
};

template <std::size_t size>
std::vector<BackboneResidue> fragment(const FragmentResidue (&residues)[size], int first_number) {
  std::vector<BackboneResidue> result;
  for (const FragmentResidue& f : residues) {
    BackboneResidue r;
    r.chain = "A";
    r.sequence_number = first_number + static_cast<int>(result.size());
    r.amino_acid = f.amino_acid;
    r.n = f.atoms[0], r.ca = f.atoms[1], r.c = f.atoms[2], r.o = f.atoms[3];
    result.push_back(r);
  }
  return result;
}

// PDB 1U2H chain A residues 61-84: a β-hairpin, an isolated bridge, turns, a 3₁₀ helix, bends.
const FragmentResidue k1u2hFragment[] = {
    {'X', {{32.241, -1.543, 10.732}, {32.921, -2.737, 10.245}, {32.597, -3.889, 11.171}, {32.823, -3.790, 12.386}}},
    {'P', {{32.041, -4.975, 10.668}, {31.700, -6.058, 11.568}, {32.937, -6.861, 11.974}, {33.931, -6.921, 11.239}}},
    {'X', {{32.842, -7.473, 13.147}, {33.832, -8.370, 13.661}, {33.022, -9.353, 14.602}, {31.797, -9.334, 14.585}}},
    {'X', {{33.669, -10.228, 15.332}, {32.918, -11.231, 16.094}, {32.023, -10.623, 17.186}, {31.033, -11.268, 17.646}}},
    {'X', {{32.355, -9.406, 17.625}, {31.596, -8.839, 18.715}, {30.854, -7.622, 18.266}, {30.263, -6.973, 19.101}}},
    {'X', {{30.717, -7.399, 16.978}, {29.824, -6.353, 16.489}, {29.396, -6.733, 15.071}, {30.250, -6.968, 14.194}}},
    {'X', {{28.094, -6.837, 14.825}, {27.651, -7.272, 13.502}, {26.189, -6.920, 13.335}, {25.442, -6.708, 14.303}}},
    {'X', {{25.791, -6.872, 12.063}, {24.445, -6.545, 11.649}, {23.682, -7.831, 11.346}, {24.238, -8.775, 10.817}}},
    {'X', {{22.377, -7.817, 11.629}, {21.487, -8.935, 11.378}, {20.237, -8.412, 10.662}, {19.786, -7.269, 10.895}}},
    {'X', {{19.674, -9.253, 9.793}, {18.357, -9.045, 9.198}, {17.466, -10.204, 9.576}, {17.843, -11.382, 9.393}}},
    {'X', {{16.305, -9.846, 10.148}, {15.216, -10.798, 10.615}, {13.891, -10.547, 9.877}, {13.769, -9.640, 9.125}}},
    {'X', {{12.846, -11.350, 10.097}, {11.583, -11.232, 9.304}, {10.878, -9.937, 9.634}, {11.135, -9.326, 10.746}}},
    {'X', {{9.972, -9.542, 8.749}, {9.162, -8.388, 8.898}, {9.929, -7.124, 8.819}, {9.439, -6.116, 9.249}}},
    {'X', {{11.108, -7.140, 8.184}, {11.873, -5.941, 8.009}, {12.683, -5.530, 9.225}, {13.171, -4.388, 9.256}}},
    {'X', {{12.815, -6.405, 10.221}, {13.641, -6.081, 11.406}, {15.104, -6.144, 11.016}, {15.561, -7.124, 10.424}}},
    {'X', {{15.841, -5.102, 11.378}, {17.282, -5.034, 11.145}, {17.903, -4.621, 12.476}, {17.402, -3.722, 13.137}}},
    {'X', {{18.985, -5.296, 12.838}, {19.591, -5.062, 14.151}, {21.104, -4.894, 13.985}, {21.717, -5.519, 13.125}}},
    {'X', {{21.674, -4.057, 14.840}, {23.105, -4.013, 15.065}, {23.334, -4.530, 16.493}, {22.752, -4.026, 17.450}}},
    {'X', {{24.156, -5.566, 16.619}, {24.499, -6.172, 17.903}, {25.947, -5.835, 18.258}, {26.839, -5.953, 17.426}}},
    {'X', {{26.148, -5.406, 19.507}, {27.476, -5.197, 20.065}, {27.586, -6.085, 21.305}, {26.734, -6.015, 22.193}}},
    {'X', {{28.598, -6.937, 21.351}, {28.793, -7.833, 22.492}, {29.809, -7.195, 23.454}, {30.926, -6.822, 23.041}}},
    {'X', {{29.397, -7.086, 24.720}, {30.232, -6.572, 25.821}, {30.738, -5.172, 25.468}, {31.895, -4.935, 25.094}}},
    {'X', {{29.837, -4.214, 25.669}, {30.095, -2.829, 25.292}, {31.351, -2.301, 25.973}, {31.681, -2.644, 27.137}}},
    {'X', {{32.050, -1.453, 25.229}, {33.227, -0.724, 25.690}, {32.929, 0.777, 25.595}, {32.080, 1.209, 24.784}}},
};

TEST(Dssp, HairpinWithBridgeAndThreeTenHelixMatchesMkdssp) {
  EXPECT_EQ(assign_secondary_structure(fragment(k1u2hFragment, 61)), "  BTTEEEEE GGG EEEEESS  ");
}

// PDB 1FB0 chain A residues 80-103: a β-hairpin whose second strand has a classic bulge at 92
// (no partner of its own, yet E because the ladders on both sides of it join).
const FragmentResidue k1fb0Fragment[] = {
    {'X', {{4.789, 45.574, 2.352}, {4.565, 46.972, 2.025}, {3.784, 47.593, 3.177}, {3.205, 46.880, 3.991}}},
    {'P', {{3.800, 48.928, 3.290}, {4.520, 49.825, 2.387}, {6.043, 49.693, 2.489}, {6.589, 49.447, 3.562}}},
    {'X', {{6.711, 49.837, 1.351}, {8.165, 49.762, 1.278}, {8.649, 50.916, 0.418}, {8.049, 51.230, -0.609}}},
    {'X', {{9.714, 51.573, 0.856}, {10.292, 52.657, 0.077}, {11.717, 52.245, -0.238}, {12.483, 51.871, 0.650}}},
    {'X', {{12.063, 52.289, -1.514}, {13.399, 51.915, -1.941}, {14.112, 53.118, -2.550}, {13.493, 53.943, -3.221}}},
    {'X', {{15.412, 53.214, -2.295}, {16.239, 54.279, -2.834}, {17.262, 53.656, -3.779}, {17.917, 52.677, -3.432}}},
    {'X', {{17.398, 54.241, -4.964}, {18.347, 53.774, -5.966}, {19.297, 54.907, -6.351}, {18.940, 56.080, -6.275}}},
    {'X', {{20.515, 54.547, -6.743}, {21.506, 55.526, -7.180}, {22.549, 54.843, -8.056}, {23.174, 53.861, -7.649}}},
    {'X', {{22.720, 55.368, -9.265}, {23.671, 54.820, -10.223}, {23.327, 53.380, -10.591}, {24.209, 52.588, -10.917}}},
    {'X', {{22.043, 53.042, -10.528}, {21.619, 51.701, -10.889}, {21.668, 50.680, -9.772}, {21.324, 49.515, -9.977}}},
    {'X', {{22.084, 51.109, -8.588}, {22.174, 50.204, -7.452}, {21.210, 50.568, -6.318}, {20.990, 51.743, -6.015}}},
    {'X', {{20.631, 49.541, -5.710}, {19.716, 49.701, -4.590}, {20.585, 50.068, -3.395}, {21.508, 49.327, -3.036}}},
    {'X', {{20.311, 51.213, -2.781}, {21.123, 51.642, -1.652}, {20.497, 51.439, -0.275}, {21.211, 51.280, 0.714}}},
    {'X', {{19.172, 51.424, -0.209}, {18.500, 51.294, 1.076}, {17.023, 50.936, 0.913}, {16.408, 51.259, -0.100}}},
    {'X', {{16.467, 50.269, 1.919}, {15.065, 49.852, 1.910}, {14.447, 50.191, 3.261}, {15.038, 49.906, 4.308}}},
    {'X', {{13.263, 50.794, 3.230}, {12.556, 51.167, 4.446}, {11.139, 50.612, 4.365}, {10.468, 50.759, 3.344}}},
    {'X', {{10.693, 49.972, 5.442}, {9.363, 49.379, 5.492}, {8.481, 50.088, 6.507}, {8.960, 50.511, 7.552}}},
    {'X', {{7.196, 50.218, 6.194}, {6.271, 50.844, 7.124}, {5.827, 52.257, 6.803}, {6.082, 52.775, 5.716}}},
    {'X', {{5.144, 52.877, 7.761}, {4.663, 54.245, 7.604}, {5.799, 55.167, 8.015}, {5.916, 55.541, 9.182}}},
    {'X', {{6.637, 55.519, 7.043}, {7.797, 56.372, 7.275}, {7.445, 57.851, 7.346}, {6.770, 58.387, 6.465}}},
    {'P', {{7.913, 58.536, 8.399}, {7.629, 59.964, 8.552}, {8.385, 60.759, 7.492}, {9.418, 60.314, 6.990}}},
    {'X', {{7.868, 61.935, 7.163}, {8.493, 62.810, 6.184}, {9.951, 63.106, 6.552}, {10.817, 63.195, 5.674}}},
    {'X', {{10.221, 63.240, 7.848}, {11.567, 63.547, 8.330}, {12.610, 62.471, 8.017}, {13.720, 62.785, 7.595}}},
    {'X', {{12.254, 61.208, 8.225}, {13.176, 60.102, 7.969}, {13.506, 59.970, 6.486}, {14.643, 59.689, 6.115}}},
};

TEST(Dssp, BetaBulgeJoinsTheLadders) {
  EXPECT_EQ(assign_secondary_structure(fragment(k1fb0Fragment, 80)), "  EEEEEETTEEEEEEES   S  ");
}

TEST(Dssp, MovingTheStructureChangesNothing) {
  // Centred on the origin, then slid along each axis and far away: the atoms land in many cells
  // of the neighbour grid, on both sides of zero. The α/π chain needs both acceptors of each N–H.
  for (const auto& residues : {fragment(k1fb0Fragment, 80), ideal_chain(20, -57.0, -61.0)}) {
    const std::string expected = assign_secondary_structure(residues);
    Point centre{0, 0, 0};
    for (const auto& r : residues) centre = centre + (1.0 / residues.size()) * *r.ca;
    for (int axis = 0; axis < 3; ++axis) {
      for (double slide : {-1000.0, -30.0, -9.0, -4.5, -1.0, 0.0, 1.0, 4.5, 9.0, 30.0, 1000.0}) {
        Point shift = Point{0, 0, 0} - centre;
        shift[axis] += slide;
        auto moved = residues;
        for (auto& r : moved)
          for (auto* atom : {&r.n, &r.ca, &r.c, &r.o}) **atom = **atom + shift;
        EXPECT_EQ(assign_secondary_structure(moved), expected) << "axis " << axis << ", slide " << slide;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison with mkdssp on real structures.

// The secondary-structure class of DESIGN.md.
char four_class(char state) {
  switch (state) {
    case 'H':
    case 'G':
    case 'I':
      return 'H';
    case 'E':
    case 'B':
      return 'E';
    case 'T':
    case 'S':
      return 'T';
    default:
      return 'C';
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
  std::vector<bool> hetatm;        // written as HETATM records, as in the file
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
      model.hetatm.push_back(residue.het_flag == 'H');
    }
  }
  return model;
}

using ResidueKey = std::tuple<std::string, int, char>;  // chain, number, insertion code

// mkdssp 4.2.2 is given not the original file but a PDB file written here from the atoms we
// use: it needs HEADER and CRYST1 records, rejects blank chain ids and some record orders, ran
// away past 8 GB on a file without END, and takes the LAST altloc of an atom where we take the
// highest occupancy. A clean copy of the same atoms makes the comparison one of the DSSP
// algorithms alone. SEQRES records list the residues written, because without them mkdssp
// takes modified residues (MSE) for ligands and breaks the chain there. Chains get one-letter
// ids (the classic DSSP format has one column for them).
std::map<char, std::string> write_pdb_for_mkdssp(const Model& model, const std::string& path) {
  const std::string letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::map<std::string, char> letter_of;
  std::map<char, std::string> chain_of;
  std::map<char, std::vector<std::string>> sequence_of;
  for (std::size_t k = 0; k < model.residues.size(); ++k) {
    const std::string& chain = model.residues[k].chain;
    if (!letter_of.count(chain)) {
      char letter = letters.at(letter_of.size());
      letter_of[chain] = letter;
      chain_of[letter] = chain;
    }
    sequence_of[letter_of[chain]].push_back(model.names[k]);
  }

  std::ofstream out(path);
  out << "HEADER    BERTOLOGY DSSP TEST                     01-JAN-00   TEST              \n";
  char line[96];
  for (const auto& [letter, names] : sequence_of) {
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (k % 13 == 0) {
        if (k > 0) out << '\n';
        std::snprintf(line, sizeof line, "SEQRES %3zu %c %4zu  ", k / 13 + 1, letter, names.size());
        out << line;
      }
      std::snprintf(line, sizeof line, "%3s ", names[k].c_str());
      out << line;
    }
    out << '\n';
  }
  out << "CRYST1    1.000    1.000    1.000  90.00  90.00  90.00 P 1           1          \n";
  int serial = 0;
  for (std::size_t k = 0; k < model.residues.size(); ++k) {
    const BackboneResidue& r = model.residues[k];
    if (k > 0 && r.chain != model.residues[k - 1].chain) out << "TER\n";
    for (auto [name, atom] :
         {std::pair{" N  ", r.n}, std::pair{" CA ", r.ca}, std::pair{" C  ", r.c}, std::pair{" O  ", r.o}}) {
      if (!atom) continue;
      std::snprintf(line, sizeof line, "%-6s%5d %4s %3s %c%4d%c   %8.3f%8.3f%8.3f  1.00  0.00           %c  \n",
                    model.hetatm[k] ? "HETATM" : "ATOM", ++serial % 100000, name, model.names[k].c_str(),
                    letter_of[r.chain], r.sequence_number, r.insertion_code, (*atom)[0], (*atom)[1], (*atom)[2],
                    name[1]);
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
  std::string command =
      "ulimit -v 4000000; timeout 60 mkdssp --output-format dssp '" + pdb + "' '" + output + "' > '" + log + "' 2>&1";
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
    auto chain = chain_of.find(line[11]);
    if (chain == chain_of.end()) {
      failure = "mkdssp output names a chain we did not write: " + line;
      return {};
    }
    states[{chain->second, std::stoi(line.substr(5, 5)), line[10]}] = state;
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
  Model model;
  try {
    model = read_model(file.string());
  } catch (const std::exception& e) {
    result.failures.push_back(file.string() + ": gemmi cannot read it: " + e.what());
    return result;
  }
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

// A private temporary directory for mkdssp's input and output, removed on the way out.
struct ScratchDirectory {
  fs::path path = fs::temp_directory_path() / ("bertology_dssp_" + std::to_string(::getpid()));
  ScratchDirectory() { fs::create_directories(path); }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// Every structure file under `root`, by data set (its folder), compared and summarised.
Agreement compare_tree(const fs::path& root) {
  ScratchDirectory scratch;
  std::map<std::string, std::vector<fs::path>> data_sets;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file() && is_structure_file(entry.path()))
      data_sets[fs::relative(entry.path().parent_path(), root).string()].push_back(entry.path());

  Agreement total;
  for (auto& [name, files] : data_sets) {
    std::sort(files.begin(), files.end());
    Agreement set;
    for (const fs::path& file : files) set.add(compare_file(file, scratch.path));
    std::printf(
        "%s: %zu files, %ld residues compared, 8-state %.2f%%, 4-class %.2f%%, only ours %ld, only mkdssp %ld, "
        "ours %.1f ms in all\n",
        name.c_str(), files.size(), set.compared, 100 * set.state_rate(), 100 * set.class_rate(), set.only_ours,
        set.only_mkdssp, 1000 * set.our_seconds);
    total.add(set);
  }
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

// DSSP (Kabsch & Sander 1983) as mkdssp 4 assigns it. Where mkdssp 4 departs from the 1983
// paper or has to settle a detail the paper leaves open, we follow mkdssp, because users compare
// against it: energies rounded to 0.001 kcal/mol, each N–H keeps only its two best acceptors,
// the π-helix wins over the α-helix, and the amide H of a chain's first residue is placed from
// whatever residue precedes it in the list, even across a break or a chain change.
#include "bertology/structure/dssp.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <utility>

namespace bertology::structure {

namespace {

// Electrostatic H-bond model: q1·q2·f = 0.42 e · 0.20 e · 332 kcal·Å/(mol·e²).
constexpr double kCouplingConstant = -0.42 * 0.20 * 332.0;
constexpr double kMinimalAtomDistance = 0.5;  // closer than this: the strongest bond allowed
constexpr double kStrongestEnergy = -9.9;     // kcal/mol, floor of the energy
constexpr double kBondCutoff = -0.5;          // kcal/mol: an H-bond when the energy is below
constexpr double kCandidateCaDistance = 9.0;  // Å: farther Cα pairs cannot form an H-bond
constexpr double kMaxPeptideBond = 2.5;       // Å: a longer C–N link is a chain break
constexpr double kBendKappa = 70.0;           // degrees
constexpr double kDegreesPerRadian = 57.29577951308232;

Point operator-(const Point& a, const Point& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
double dot(const Point& a, const Point& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
double distance(const Point& a, const Point& b) { return std::sqrt(dot(a - b, a - b)); }

// A residue with all four backbone atoms: only these take part (mkdssp drops the others).
struct Backbone {
  Point n, ca, c, o, h;
  bool proline;
  int segment;  // residues of one unbroken stretch of chain share it
};

std::vector<Backbone> complete_backbones(const std::vector<BackboneResidue>& residues,
                                         std::vector<std::size_t>& source_index) {
  std::vector<Backbone> backbones;
  const BackboneResidue* previous = nullptr;
  int segment = 0;
  for (std::size_t k = 0; k < residues.size(); ++k) {
    const BackboneResidue& r = residues[k];
    if (!r.n || !r.ca || !r.c || !r.o) continue;
    if (previous && (previous->chain != r.chain || distance(*previous->c, *r.n) > kMaxPeptideBond)) ++segment;
    backbones.push_back({*r.n, *r.ca, *r.c, *r.o, *r.n, r.amino_acid == 'P', segment});
    source_index.push_back(k);
    previous = &r;
  }
  // The amide H sits 1 Å from N, opposite the previous residue's C=O.
  for (std::size_t k = 1; k < backbones.size(); ++k) {
    if (backbones[k].proline) continue;
    Point co = backbones[k - 1].c - backbones[k - 1].o;
    double length = std::sqrt(dot(co, co));
    if (length == 0) continue;  // C on O: no direction, the H stays on N
    for (int d = 0; d < 3; ++d) backbones[k].h[d] += co[d] / length;
  }
  return backbones;
}

// Energy of N–H(donor) · · · O=C(acceptor), rounded to 0.001 as mkdssp does (which decides
// bonds right at the cutoff).
double hbond_energy(const Backbone& donor, const Backbone& acceptor) {
  double ho = distance(donor.h, acceptor.o), hc = distance(donor.h, acceptor.c);
  double nc = distance(donor.n, acceptor.c), no = distance(donor.n, acceptor.o);
  if (std::min({ho, hc, nc, no}) < kMinimalAtomDistance) return kStrongestEnergy;
  double energy = kCouplingConstant * (1 / ho - 1 / hc + 1 / nc - 1 / no);
  return std::max(std::round(energy * 1000) / 1000, kStrongestEnergy);
}

// The two strongest acceptors of one N–H. mkdssp lets only these count as H-bonds; among
// equal energies the lower residue index wins, as in its scan order.
struct BestAcceptors {
  int index[2] = {-1, -1};
  double energy[2] = {0, 0};

  void offer(int acceptor, double e) {
    auto better = [&](int slot) {
      return index[slot] < 0 || e < energy[slot] || (e == energy[slot] && acceptor < index[slot]);
    };
    if (better(0)) {
      index[1] = index[0], energy[1] = energy[0];
      index[0] = acceptor, energy[0] = e;
    } else if (better(1)) {
      index[1] = acceptor, energy[1] = e;
    }
  }
};

// Cells of a grid with kCandidateCaDistance spacing: Cα pairs closer than that lie in
// neighbouring cells.
using Cell = std::array<std::int64_t, 3>;

struct CellHash {
  std::size_t operator()(const Cell& c) const {
    return static_cast<std::size_t>(c[0] * 73856093) ^ static_cast<std::size_t>(c[1] * 19349663) ^
           static_cast<std::size_t>(c[2] * 83492791);
  }
};

Cell cell_of(const Point& p) {
  Cell cell;
  for (int d = 0; d < 3; ++d) cell[d] = static_cast<std::int64_t>(std::floor(p[d] / kCandidateCaDistance));
  return cell;
}

// All donor–acceptor pairs with Cα closer than kCandidateCaDistance, found through a cell
// list of that size. Like mkdssp, an N–H never bonds to the C=O right before it (that is its
// own peptide bond).
std::vector<BestAcceptors> find_hbonds(const std::vector<Backbone>& backbones) {
  const int count = static_cast<int>(backbones.size());
  std::unordered_map<Cell, std::vector<int>, CellHash> cells;
  for (int k = 0; k < count; ++k) cells[cell_of(backbones[k].ca)].push_back(k);

  std::vector<BestAcceptors> best(backbones.size());
  for (int i = 0; i < count; ++i) {
    if (backbones[i].proline) continue;
    Cell c = cell_of(backbones[i].ca);
    for (std::int64_t dx = -1; dx <= 1; ++dx)
      for (std::int64_t dy = -1; dy <= 1; ++dy)
        for (std::int64_t dz = -1; dz <= 1; ++dz) {
          auto found = cells.find({c[0] + dx, c[1] + dy, c[2] + dz});
          if (found == cells.end()) continue;
          for (int j : found->second) {
            if (j == i || j == i - 1) continue;
            if (!(distance(backbones[i].ca, backbones[j].ca) < kCandidateCaDistance)) continue;
            double e = hbond_energy(backbones[i], backbones[j]);
            if (e < kBondCutoff) best[i].offer(j, e);
          }
        }
  }
  return best;
}

class Assigner {
 public:
  explicit Assigner(std::vector<Backbone> backbones)
      : backbones_(std::move(backbones)),
        size_(static_cast<int>(backbones_.size())),
        acceptors_(find_hbonds(backbones_)),
        ss_(backbones_.size(), ' ') {}

  std::string run() {
    assign_strands();
    find_turns();
    assign_helices();
    assign_turns_and_bends();
    return ss_;
  }

 private:
  bool bonded(int donor, int acceptor) const {
    const BestAcceptors& a = acceptors_[static_cast<std::size_t>(donor)];
    return a.index[0] == acceptor || a.index[1] == acceptor;
  }
  bool unbroken(int first, int last) const {
    return first >= 0 && last < size_ && backbones_[first].segment == backbones_[last].segment;
  }

  enum class Pairing { none, parallel, antiparallel };

  // Kabsch & Sander's bridge patterns between residues i and j (i < j).
  Pairing bridge(int i, int j) const {
    if (!unbroken(i - 1, i + 1) || !unbroken(j - 1, j + 1)) return Pairing::none;
    if ((bonded(i + 1, j) && bonded(j, i - 1)) || (bonded(j + 1, i) && bonded(i, j - 1))) return Pairing::parallel;
    if ((bonded(i + 1, j - 1) && bonded(j + 1, i - 1)) || (bonded(j, i) && bonded(i, j))) return Pairing::antiparallel;
    return Pairing::none;
  }

  // A run of consecutive bridges; i runs forward, j forward (parallel) or backward.
  struct Ladder {
    Pairing pairing;
    int i_first, i_last, j_first, j_last;  // j_first ≤ j_last whatever the direction
    int bridges;
  };

  // Every bridge pattern holds an H-bond from residue i or i+1 to residue j−1 or j, so the
  // partners j of i are found among those residues' acceptors (+0 or +1) instead of all pairs.
  std::vector<int> bridge_candidates(int i) const {
    std::vector<int> partners;
    for (int donor : {i, i + 1})
      for (int acceptor : acceptors_[static_cast<std::size_t>(donor)].index)
        if (acceptor >= 0)
          for (int j : {acceptor, acceptor + 1})
            if (j >= i + 3 && j + 1 < size_) partners.push_back(j);
    std::sort(partners.begin(), partners.end());
    partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
    return partners;
  }

  // Bridges found in order of i, then j; a bridge continues the ladder whose last bridge is its
  // neighbour (i−1, j∓1), which can only be a ladder touched at i−1.
  std::vector<Ladder> find_ladders() const {
    std::vector<Ladder> ladders;
    std::vector<std::size_t> touched_before, touched_now;
    for (int i = 1; i + 4 < size_; ++i) {
      for (int j : bridge_candidates(i)) {
        Pairing pairing = bridge(i, j);
        if (pairing == Pairing::none) continue;
        auto extends = [&](std::size_t l) {
          const Ladder& ladder = ladders[l];
          if (ladder.pairing != pairing) return false;
          return pairing == Pairing::parallel ? ladder.j_last + 1 == j : ladder.j_first - 1 == j;
        };
        auto found = std::find_if(touched_before.begin(), touched_before.end(), extends);
        if (found == touched_before.end()) {
          touched_now.push_back(ladders.size());
          ladders.push_back({pairing, i, i, j, j, 1});
        } else {
          Ladder& ladder = ladders[*found];
          ladder.i_last = i;
          (pairing == Pairing::parallel ? ladder.j_last : ladder.j_first) = j;
          ++ladder.bridges;
          touched_now.push_back(*found);
        }
      }
      touched_before.swap(touched_now);
      touched_now.clear();
    }
    return ladders;
  }

  // Two ladders of the same kind separated by a β-bulge become one. Kabsch & Sander allow a
  // gap of at most one residue on one strand and four on the other; mkdssp counts index
  // differences: less than 3 on one strand and 6 on the other (either way round).
  void join_bulges(std::vector<Ladder>& ladders) const {
    std::stable_sort(ladders.begin(), ladders.end(),
                     [](const Ladder& a, const Ladder& b) { return a.i_first < b.i_first; });
    for (std::size_t a = 0; a < ladders.size(); ++a) {
      for (std::size_t b = a + 1; b < ladders.size(); ++b) {
        Ladder& first = ladders[a];
        const Ladder& second = ladders[b];
        int i_gap = second.i_first - first.i_last;
        if (i_gap >= 6) break;  // and so are all ladders after it
        if (first.pairing != second.pairing || i_gap <= 0) continue;
        if (!unbroken(first.i_first, second.i_last)) continue;
        if (!unbroken(std::min(first.j_first, second.j_first), std::max(first.j_last, second.j_last))) continue;
        int j_gap = first.pairing == Pairing::parallel ? second.j_first - first.j_last : first.j_first - second.j_last;
        bool bulge = j_gap >= 0 && ((j_gap < 6 && i_gap < 3) || j_gap < 3);
        if (!bulge) continue;
        first.i_last = second.i_last;
        first.j_first = std::min(first.j_first, second.j_first);
        first.j_last = std::max(first.j_last, second.j_last);
        first.bridges += second.bridges;
        ladders.erase(ladders.begin() + static_cast<std::ptrdiff_t>(b));
        --b;
      }
    }
  }

  void assign_strands() {
    std::vector<Ladder> ladders = find_ladders();
    join_bulges(ladders);
    for (const Ladder& ladder : ladders) {
      char state = ladder.bridges > 1 ? 'E' : 'B';
      for (auto [first, last] : {std::pair{ladder.i_first, ladder.i_last}, std::pair{ladder.j_first, ladder.j_last}})
        for (int k = first; k <= last; ++k)
          if (ss_[k] != 'E') ss_[k] = state;
    }
  }

  // turn_[n - 3][i]: an n-turn starts at i (H-bond from N–H of i+n to C=O of i), n = 3, 4, 5.
  void find_turns() {
    for (int n = 3; n <= 5; ++n) {
      std::vector<bool>& starts = turn_[n - 3];
      starts.assign(backbones_.size(), false);
      for (int i = 0; i + n < size_; ++i) starts[i] = unbroken(i, i + n) && bonded(i + n, i);
    }
  }
  bool turn_starts(int n, int i) const { return turn_[n - 3][static_cast<std::size_t>(i)]; }

  // Two consecutive n-turns at i−1 and i make residues i … i+n−1 a helix. α first, over strands
  // and bridges too; then 3₁₀ where still free; then π, which mkdssp ≥ 2.1 lets replace α.
  void assign_helices() {
    auto assign = [&](int n, char state, const std::string& may_replace) {
      for (int i = 1; i + n < size_; ++i) {
        if (!turn_starts(n, i) || !turn_starts(n, i - 1)) continue;
        bool free = true;
        for (int k = i; k < i + n; ++k) free = free && may_replace.find(ss_[k]) != std::string::npos;
        if (free) std::fill(ss_.begin() + i, ss_.begin() + i + n, state);
      }
    };
    assign(4, 'H', " HEB");
    assign(3, 'G', " G");
    assign(5, 'I', " IH");
  }

  // κ: the angle between Cα(i−2)→Cα(i) and Cα(i)→Cα(i+2), defined inside an unbroken stretch.
  bool bend(int i) const {
    if (i < 2 || !unbroken(i - 2, i + 2)) return false;
    Point before = backbones_[i].ca - backbones_[i - 2].ca;
    Point after = backbones_[i + 2].ca - backbones_[i].ca;
    double norms = std::sqrt(dot(before, before) * dot(after, after));
    double cosine = norms > 0 ? std::clamp(dot(before, after) / norms, -1.0, 1.0) : 0.0;
    return std::acos(cosine) * kDegreesPerRadian > kBendKappa;
  }

  // Residues still blank inside an n-turn (after its start, up to its last H-bonded residue
  // exclusive) are T; else S where the chain bends. The first and last residues stay blank.
  void assign_turns_and_bends() {
    for (int i = 1; i + 1 < size_; ++i) {
      if (ss_[i] != ' ') continue;
      bool in_turn = false;
      for (int n = 3; n <= 5 && !in_turn; ++n)
        for (int k = 1; k < n && !in_turn; ++k) in_turn = i >= k && turn_starts(n, i - k);
      if (in_turn)
        ss_[i] = 'T';
      else if (bend(i))
        ss_[i] = 'S';
    }
  }

  std::vector<Backbone> backbones_;
  int size_;
  std::vector<BestAcceptors> acceptors_;
  std::array<std::vector<bool>, 3> turn_;
  std::string ss_;
};

}  // namespace

std::string assign_secondary_structure(const std::vector<BackboneResidue>& residues) {
  std::vector<std::size_t> source_index;
  std::vector<Backbone> backbones = complete_backbones(residues, source_index);
  std::string states = Assigner(std::move(backbones)).run();
  std::string result(residues.size(), ' ');
  for (std::size_t k = 0; k < states.size(); ++k) result[source_index[k]] = states[k];
  return result;
}

}  // namespace bertology::structure

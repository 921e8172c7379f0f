#pragma once
// Counts, per layer and head, the attention above each threshold and how much of it falls
// on each property. Kokkos kernels read the model's attention memory in place.
#include <memory>
#include <vector>

#include "bertology/attention_maps.h"
#include "bertology/analysis/counts.h"
#include "bertology/analysis/properties.h"
#include "bertology/corpus/record.h"

namespace bertology::analysis {

struct CounterShape {
  int layers = 0;
  int heads = 0;
  std::vector<double> thresholds;  // strictly ascending, each in (0, 1); validated here
};

// Throws bertology::Error naming the offending value unless the thresholds are strictly
// ascending (also after rounding to float32, the precision they are compared in) and each in (0, 1).
void validate_thresholds(const std::vector<double>& thresholds);

// Null permutation k of one record's analysed residues: residue j takes the labels (and the
// letter) of permutation[j] (Fisher–Yates), and the coordinates of (j + shift) mod n. The shift
// is at least the contact separation (6) and at most n − 6, so the null's contacts are never
// the observed ones moved by a residue or two; the contact rate is kept up to the pairs the
// shift wraps. Depends only on the seed, the record's id, its first `residues` residues (those
// analysed) and k: any rank count and block order, and a record read whole or cut to the
// residues analysed, give the same null.
struct NullPermutation {
  std::vector<int> permutation;
  int shift = 0;
};
NullPermutation null_permutation(std::uint64_t seed, const corpus::Record& record, int k, int residues);

// One batch row as the counter sees it: which record, where its first residue token is,
// and how many residues are analysed (after the cut at the model's maximum).
struct BatchRow {
  const corpus::Record* record = nullptr;
  std::int64_t first_token = 1;
  std::int64_t residues = 0;
};

class HeadCounter {
 public:
  HeadCounter(CounterShape shape, PropertyPlan plan);
  ~HeadCounter();
  HeadCounter(const HeadCounter&) = delete;
  HeadCounter& operator=(const HeadCounter&) = delete;

  // Prepares the per-batch inputs (contact map, per-residue property flags) on the
  // device, and adds the batch's residues and pairs to the background counts.
  void begin_batch(const std::vector<BatchRow>& rows);
  // Adds one layer's attention of the current batch, whole or one block of query rows at a
  // time: strict α > θ in float32, special tokens outside [first_token, first_token + residues)
  // ignored, rows not renormalised.
  void add_layer(int layer, const AttentionMaps& maps);

  // Counts so far: per threshold, the entries above it (suffix sums of the internal bins).
  Counts counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bertology::analysis

#include "bertology/analysis/counts.h"

#include "bertology/error.h"

namespace bertology::analysis {

Counts::Counts(int layers, int heads, std::vector<double> thresholds, std::vector<std::string> properties)
    : layers(layers), heads(heads), thresholds(std::move(thresholds)), properties(std::move(properties)) {
  require(layers > 0 && heads > 0, "counts need at least one layer and one head, got " + std::to_string(layers) +
                                       " layers and " + std::to_string(heads) + " heads");
  head_counts.assign((1 + this->properties.size()) * layers * heads * this->thresholds.size(), 0);
  background_numerator.assign(this->properties.size(), 0);
  background_denominator.assign(this->properties.size(), 0);
}

void Counts::add(const Counts& other) {
  require(other.layers == layers && other.heads == heads && other.thresholds == thresholds &&
              other.properties == properties,
          "cannot add counts of a different shape (layers, heads, thresholds or properties differ)");
  for (std::size_t e = 0; e < head_counts.size(); ++e) head_counts[e] += other.head_counts[e];
  for (std::size_t p = 0; p < properties.size(); ++p) {
    background_numerator[p] += other.background_numerator[p];
    background_denominator[p] += other.background_denominator[p];
  }
  sequences += other.sequences;
  residues += other.residues;
}

}  // namespace bertology::analysis

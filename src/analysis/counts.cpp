#include "bertology/analysis/counts.h"

#include "bertology/analysis/properties.h"
#include "bertology/error.h"

namespace bertology::analysis {

const std::vector<std::string>& PrecisionCounts::cuts() {
  static const std::vector<std::string> names{"top_l5", "top_l2", "top_l"};
  return names;
}

const std::vector<std::string>& PrecisionCounts::cut_labels() {
  static const std::vector<std::string> labels{"L/5", "L/2", "L"};
  return labels;
}

PrecisionCounts::PrecisionCounts(int layers, int heads)
    : layers(layers),
      heads(heads),
      selected(std::size_t{3} * layers * heads, 0),
      contacts(std::size_t{3} * layers * heads, 0) {}

void PrecisionCounts::add(const PrecisionCounts& other) {
  require(other.layers == layers && other.heads == heads, "cannot add contact precision counts of another shape");
  for (std::size_t e = 0; e < selected.size(); ++e) {
    selected[e] += other.selected[e];
    contacts[e] += other.contacts[e];
  }
  sequences += other.sequences;
}

Counts::Counts(int layers, int heads, std::vector<double> thresholds, std::vector<std::string> properties)
    : layers(layers), heads(heads), thresholds(std::move(thresholds)), properties(std::move(properties)) {
  require(layers > 0 && heads > 0, "counts need at least one layer and one head, got " + std::to_string(layers) +
                                       " layers and " + std::to_string(heads) + " heads");
  denominators.assign(this->properties.size(), -1);
  head_counts.assign(static_cast<std::size_t>(rows()) * row_size(), 0);
  background_numerator.assign(this->properties.size(), 0);
  background_denominator.assign(this->properties.size(), 0);
}

Counts::Counts(int layers, int heads, std::vector<double> thresholds, const PropertyPlan& plan)
    : Counts(layers, heads, std::move(thresholds), plan.names()) {
  require(plan.null_permutations >= 0, "the number of null permutations must not be negative");
  known_labels = plan.known_labels();
  denominators = plan.denominators();
  null_permutations = plan.null_permutations;
  head_counts.assign(static_cast<std::size_t>(rows()) * row_size(), 0);
}

void Counts::add(const Counts& other) {
  require(other.layers == layers && other.heads == heads && other.thresholds == thresholds &&
              other.properties == properties && other.known_labels == known_labels &&
              other.null_permutations == null_permutations,
          "cannot add counts of a different shape (layers, heads, thresholds, properties or null differ)");
  for (std::size_t e = 0; e < head_counts.size(); ++e) head_counts[e] += other.head_counts[e];
  for (std::size_t p = 0; p < properties.size(); ++p) {
    background_numerator[p] += other.background_numerator[p];
    background_denominator[p] += other.background_denominator[p];
  }
  sequences += other.sequences;
  residues += other.residues;
  if (other.precision.layers > 0 || precision.layers > 0) precision.add(other.precision);
}

}  // namespace bertology::analysis

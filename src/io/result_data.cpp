#include "bertology/io/result_data.h"

#include <limits>

#include "bertology/error.h"

namespace bertology::io {
namespace {

const std::vector<std::int64_t>& denominator_in(const std::map<std::string, std::vector<std::int64_t>>& known,
                                                const std::map<std::string, std::vector<std::int64_t>>& all,
                                                const std::map<std::string, std::string>& denominator_label,
                                                const std::string& property) {
  const auto label = denominator_label.find(property);
  if (label == denominator_label.end()) {
    const auto found = all.find("above_threshold");
    require(found != all.end(), "the result has no counts of arcs above the threshold", {"", property});
    return found->second;
  }
  const auto found = known.find(label->second);
  require(found != known.end(), "the result lacks the known-label counts of '" + label->second + "'", {"", property});
  return found->second;
}

}  // namespace

double BackgroundRate::rate() const {
  return eligible > 0 ? static_cast<double>(positives) / static_cast<double>(eligible)
                      : std::numeric_limits<double>::quiet_NaN();
}

const std::vector<std::int64_t>& ResultData::denominator(const std::string& property) const {
  return denominator_in(known_counts, counts, denominator_label, property);
}

const std::vector<std::int64_t>& ResultData::group_denominator(const std::string& property) const {
  return denominator_in(group_known_counts, group_counts, denominator_label, property);
}

std::vector<double> ResultData::proportions(const std::string& property) const {
  const auto& numerator = counts.at(property);
  const auto& denominator = this->denominator(property);
  std::vector<double> result(numerator.size());
  for (std::size_t i = 0; i < numerator.size(); ++i)
    result[i] = denominator[i] > 0 ? static_cast<double>(numerator[i]) / static_cast<double>(denominator[i])
                                   : std::numeric_limits<double>::quiet_NaN();
  return result;
}

}  // namespace bertology::io

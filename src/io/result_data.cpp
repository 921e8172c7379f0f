#include "bertology/io/result_data.h"

#include <limits>

namespace bertology::io {

double BackgroundRate::rate() const {
  return eligible > 0 ? static_cast<double>(positives) / static_cast<double>(eligible)
                      : std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> ResultData::proportions(const std::string& label) const {
  const auto& numerator = counts.at(label);
  const auto& denominator = counts.at("above_threshold");
  std::vector<double> result(numerator.size());
  for (std::size_t i = 0; i < numerator.size(); ++i)
    result[i] = denominator[i] > 0 ? static_cast<double>(numerator[i]) / static_cast<double>(denominator[i])
                                   : std::numeric_limits<double>::quiet_NaN();
  return result;
}

}  // namespace bertology::io

#pragma once
// Numbers as the shortest text that reads back to the same double ("0.3", not "0.29999…").
#include <charconv>
#include <cmath>
#include <string>

namespace bertology::report {

inline std::string shortest(double value) {
  if (std::isnan(value)) return "NaN";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace bertology::report

#pragma once
// CSV as RFC 4180 reads it, shared by the report's and the sweep's tables. Internal to the
// report module.
#include <string>

namespace bertology::report {

// Quotes a field that holds a separator, a quote or a line break (quotes doubled inside).
inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace bertology::report

#pragma once
#include <ctime>
#include <string>
#include <vector>

namespace bertology::pipeline {

// ISO 8601 UTC, e.g. 2026-11-25T20:29:04Z.
inline std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

inline std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : separator) + part;
  return joined;
}

}  // namespace bertology::pipeline

#include "progress.h"

#include <cstdio>

namespace bertology::pipeline {
namespace {
constexpr double kPrintInterval = 5.0;  // seconds

std::string duration(double seconds) {
  char text[32];
  const long s = static_cast<long>(seconds + 0.5);
  if (s >= 3600)
    std::snprintf(text, sizeof(text), "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(text, sizeof(text), "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(text, sizeof(text), "%lds", s);
  return text;
}
}  // namespace

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(std::string what, std::int64_t total, bool enabled)
    : what_(std::move(what)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::advance(std::int64_t done_now) {
  done_ += done_now;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() >= kPrintInterval) {
    last_ = now;
    print(false);
  }
}

void Progress::finish() { print(true); }

void Progress::print(bool final_line) {
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  if (final_line) {
    std::fprintf(stderr, "%s: %lld/%lld done in %s (%.1f/s)\n", what_.c_str(), static_cast<long long>(done_),
                 static_cast<long long>(total_), duration(elapsed).c_str(), rate);
  } else {
    const double eta = rate > 0 ? (total_ - done_) / rate : 0.0;
    std::fprintf(stderr, "%s: %lld/%lld (%.0f%%), %.1f/s, ETA %s\n", what_.c_str(), static_cast<long long>(done_),
                 static_cast<long long>(total_), total_ ? 100.0 * done_ / total_ : 100.0, rate, duration(eta).c_str());
  }
  std::fflush(stderr);
}

}  // namespace bertology::pipeline

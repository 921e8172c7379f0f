#pragma once
// Progress of long work on stderr: rate and ETA, from rank 0 only, at most every few seconds.
#include <chrono>
#include <cstdint>
#include <string>

namespace bertology::pipeline {

class Progress {
 public:
  Progress(std::string what, std::int64_t total, bool enabled);
  void advance(std::int64_t done_now);  // adds to the work done and prints when due
  void finish();

 private:
  void print(bool final_line);
  std::string what_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
};

// Wall-clock seconds since an arbitrary origin.
double seconds_now();

}  // namespace bertology::pipeline

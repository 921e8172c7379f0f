#pragma once
// Failure injection for tests: BERTOLOGY_FAULT=STAGE@RANK[:kill] makes rank RANK fail the first
// time it reaches STAGE (load, plan, read, forward, tokenize, analysis, checkpoint, reduce,
// write; tokenize is before a row is encoded, analysis inside the forward before a layer is
// counted): an exception as a real error would throw, or with :kill a SIGKILL of the process.
// Unset, it costs a getenv.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include "bertology/error.h"

namespace bertology::pipeline {

inline void fault_point(const char* stage, int rank) {
  static const char* setting = std::getenv("BERTOLOGY_FAULT");
  if (!setting) return;
  const std::string wanted(setting), here = std::string(stage) + "@" + std::to_string(rank);
  if (wanted == here + ":kill") std::raise(SIGKILL);
  if (wanted == here) throw Error("injected fault (BERTOLOGY_FAULT=" + wanted + ")");
}

// BERTOLOGY_BLOCK_DELAY=SECONDS makes every block take that much longer, for tests that need a
// run to outlast a scheduler's time limit without hours of computation. Unset, it costs a getenv.
inline void block_delay() {
  static const char* setting = std::getenv("BERTOLOGY_BLOCK_DELAY");
  if (setting) std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(setting)));
}

}  // namespace bertology::pipeline

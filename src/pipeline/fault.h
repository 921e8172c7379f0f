#pragma once
// Failure injection for tests: BERTOLOGY_FAULT=STAGE@RANK[:kill] makes rank RANK fail the first
// time it reaches STAGE (load, plan, read, forward, checkpoint, reduce, write): an exception
// as a real error would throw, or with :kill a SIGKILL of the process. Unset, it costs a getenv.
#include <csignal>
#include <cstdlib>
#include <string>

#include "bertology/error.h"

namespace bertology::pipeline {

inline void fault_point(const char* stage, int rank) {
  static const char* setting = std::getenv("BERTOLOGY_FAULT");
  if (!setting) return;
  const std::string wanted(setting), here = std::string(stage) + "@" + std::to_string(rank);
  if (wanted == here + ":kill") std::raise(SIGKILL);
  if (wanted == here) throw Error("injected fault (BERTOLOGY_FAULT=" + wanted + ")");
}

}  // namespace bertology::pipeline

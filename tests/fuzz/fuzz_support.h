#pragma once
// Shared by the fuzz targets: the readers take a path, so each input is written to one
// temporary file per process (/tmp/bertology-fuzz-<pid>.<ext>) and the reader is called on it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace bertology::fuzz {

// Writes `data` to /tmp/bertology-fuzz-<pid>.<extension> (replaced on each call) and
// returns the path. The file stays until the next call: the readers may reopen it.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& extension) {
  const std::string path = "/tmp/bertology-fuzz-" + std::to_string(::getpid()) + "." + extension;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  if (std::fclose(file) != 0) std::abort();
  return path;
}

}  // namespace bertology::fuzz

// Every target defines this (libFuzzer's entry point; replay_main.cpp calls it in plain builds).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

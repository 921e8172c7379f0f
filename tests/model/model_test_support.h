#pragma once
// Helpers for the model tests: scratch folders, copies of the golden checkpoints, and a check
// that a call throws bertology::Error with a message naming what went wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bertology/error.h"
#include "bertology/model/make_model.h"
#include "test_paths.h"

namespace bertology::testing {

class ScratchFolder {
 public:
  ScratchFolder() {
    std::random_device entropy;
    path_ = std::filesystem::temp_directory_path() / ("bertology-model-test-" + std::to_string(entropy()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  std::string path(const std::string& relative = "") const { return (path_ / relative).string(); }

 private:
  std::filesystem::path path_;
};

// A tiny seeded model of a layout (3 layers, 2 heads, hidden 16, 64 positions), in `shards` files.
inline model::MakeModelOptions small_model(model::Architecture architecture, std::uint64_t seed,
                                           const std::string& output, int shards = 1) {
  model::MakeModelOptions options;
  options.architecture = architecture;
  options.layers = 3;
  options.heads = 2;
  options.hidden = 16;
  options.max_positions = 64;
  options.seed = seed;
  options.shards = shards;
  options.output = output;
  return options;
}

inline std::string golden_folder(const std::string& architecture) { return test_data("golden/" + architecture); }

// A writable copy of a golden checkpoint (config.json, model.safetensors, and vocab.txt where
// the golden has one).
inline std::string copy_golden(const std::string& architecture, const ScratchFolder& scratch) {
  const std::string target = scratch.path(architecture);
  std::filesystem::create_directories(target);
  for (const char* file : {"config.json", "model.safetensors", "vocab.txt"}) {
    const std::string source = golden_folder(architecture) + "/" + file;
    if (!std::filesystem::exists(source)) continue;
    std::filesystem::copy_file(source, target + "/" + file, std::filesystem::copy_options::overwrite_existing);
  }
  return target;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// Runs `call`, expecting bertology::Error whose message contains every one of `parts`.
template <typename Call>
void expect_error_mentioning(Call call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "expected bertology::Error mentioning " << parts.front();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

}  // namespace bertology::testing

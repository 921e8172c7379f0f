#pragma once
// Writes a model folder in a public checkpoint layout with seeded random weights: for the
// demo, benchmarks and tests. Random weights measure nothing biological.
#include <cstdint>
#include <string>

#include "bertology/model/model.h"

namespace bertology::model {

struct MakeModelOptions {
  Architecture architecture = Architecture::prot_bert;
  int layers = 4;
  int heads = 4;
  int hidden = 64;
  int intermediate = 0;      // 0 = 4 * hidden
  int max_positions = 512;
  std::uint64_t seed = 1;
  std::string output;        // folder to create (config.json, model.safetensors, vocab.txt)
  bool force = false;        // overwrite an existing folder's files
};

void make_model(const MakeModelOptions& options);

}  // namespace bertology::model

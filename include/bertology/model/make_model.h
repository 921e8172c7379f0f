#pragma once
// Writes a model folder in a public checkpoint layout with seeded random weights: for the
// demo, benchmarks and tests. Random weights measure nothing biological. Every architecture
// but torchscript has a layout.
#include <cstdint>
#include <string>

#include "bertology/model/model.h"

namespace bertology::model {

struct MakeModelOptions {
  Architecture architecture = Architecture::prot_bert;
  int layers = 4;
  int heads = 4;
  int hidden = 64;
  int intermediate = 0;     // 0 = 4 * hidden
  int embedding = 0;        // prot_albert's factorised embedding size E; 0 = min(128, hidden) (ProtAlbert: 128)
  int max_positions = 512;  // ignored by prot_xlnet, whose relative positions need no table (it takes 512)
  std::uint64_t seed = 1;
  // 1: the weights in model.safetensors. N > 1: in N files model-0000K-of-0000N.safetensors with
  // model.safetensors.index.json, the Hugging Face hub's layout of large checkpoints; the same
  // seed gives the same tensors either way.
  int shards = 1;
  // Folder to create: config.json, the weights and the tokenizer file the layout ships
  // (vocab.txt; spiece.model for prot_albert and prot_xlnet).
  std::string output;
  bool force = false;  // overwrite an existing folder's files
};

void make_model(const MakeModelOptions& options);

}  // namespace bertology::model

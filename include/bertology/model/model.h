#pragma once
// The model interface the rest of bertology sees. LibTorch stays behind it: nothing in
// this header (or any other public header) includes <torch/torch.h>.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bertology/attention_maps.h"

namespace bertology::model {

// The paper's models, ESM-2, and any model exported as TorchScript under the contract of
// torchscript.h (src/model): a folder with model.pt and bertology.json.
enum class Architecture { tape_bert, prot_bert, prot_albert, prot_xlnet, esm2, torchscript };

// "tape_bert", "prot_bert", "prot_albert", "prot_xlnet", "esm2", "torchscript"
std::string architecture_name(Architecture architecture);
Architecture parse_architecture(const std::string& name);  // throws bertology::Error on unknown names

// The one place that decides where a rank computes: GPU (node_local_rank mod visible GPUs)
// when LibTorch sees any, otherwise the CPU.
Device choose_device(int node_local_rank);

// A weights file as it was when it was mapped: the forward reads the weights where they lie in
// the file, not from a copy.
struct MappedFile {
  std::string path;
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t modified_ns = 0;
};

struct ModelInfo {
  Architecture architecture = Architecture::prot_bert;
  std::string directory;
  int layers = 0;
  int heads = 0;
  int hidden = 0;
  // Tokens the model accepts, special tokens included; 0 when positions are rotary (ESM-2) and
  // any length runs (with attention in query blocks, memory grows linearly in the length).
  int max_positions = 0;
  // Residue tokens are [leading, leading + residues) of every row: BERT, ALBERT and ESM-2 have
  // one special token on each side; XLNet has none before and two after (<sep> <cls>).
  int leading_special_tokens = 1;
  int trailing_special_tokens = 1;
  std::string weights_sha256;  // of model.safetensors
  // Non-empty when the weights are seeded random ones (config.json has "bertology_seed", as
  // written by make_model): results then measure nothing biological, and reports say so.
  std::string weights_note;
  std::vector<MappedFile> weights_files;  // the mapped safetensors files; none for TorchScript
};

// Throws bertology::Error naming the file when a mapped weights file was rewritten in place
// since it was mapped (same file, another size or modification time): the forward would have
// read a mix of old and new weights, or died of SIGBUS on a truncated file. A file replaced by
// another (renamed into place) or removed is no change: the mapping keeps the old one's data.
void check_weights_unchanged(const ModelInfo& info);

// Residue letters → token ids of one architecture, special tokens included. A folder without
// its tokenizer file (vocab.txt, spiece.model) still loads, for runs from token ids: its
// tokenizer throws bertology::Error naming the missing file when it is used.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Throws bertology::Error naming the letter when a residue has no token.
  virtual std::vector<std::int64_t> encode(std::string_view residues) const = 0;
  virtual std::int64_t pad_id() const = 0;
};

// A padded batch of token rows, row-major [batch, tokens].
struct TokenBatch {
  std::int64_t batch = 0;
  std::int64_t tokens = 0;
  std::vector<std::int64_t> ids;      // batch * tokens, padded with the tokenizer's pad id
  std::vector<std::int64_t> lengths;  // real (unpadded) tokens of each row
};

using LayerCallback = std::function<void(int layer, const AttentionMaps& maps)>;

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelInfo& info() const = 0;
  virtual const Tokenizer& tokenizer() const = 0;
  // Runs the encoder on a batch. `on_layer` is called for each layer, in order, as soon as
  // that layer's attention exists: once with the whole map, or once per block of query rows
  // when the map exceeds LoadOptions::attention_memory; no other layer's maps are alive then.
  virtual void forward(const TokenBatch& batch, const LayerCallback& on_layer) = 0;
  // Query rows per block for a batch of this shape under the attention memory; `tokens` when
  // each layer comes whole.
  virtual std::int64_t query_block(std::int64_t batch, std::int64_t tokens) const = 0;
};

// Arithmetic of the forward pass. Reduced precision is CUDA autocast (weights stored in that
// type on the GPU, matrix products in it) with the attention scores and softmax in float32;
// the maps handed to the callback are float32 either way.
enum class Precision { float32, bfloat16, float16 };

std::string precision_name(Precision precision);     // "float32", "bfloat16", "float16"
Precision parse_precision(const std::string& name);  // throws bertology::Error on unknown names

struct LoadOptions {
  std::string directory;                     // config.json, model.safetensors, vocab.txt / spiece.model
  std::optional<Architecture> architecture;  // detected from the folder when absent
  Device device;
  int threads = 0;                           // intra-op threads; 0 = leave LibTorch's default
  Precision precision = Precision::float32;  // reduced precision needs a CUDA device
  // sha256 of the weights into ModelInfo::weights_sha256 (seconds per GB: under MPI one rank
  // hashes and broadcasts).
  bool hash_weights = true;
  // Bytes one layer's attention may take while it is computed: beyond it, the layer is
  // computed and handed out in blocks of query rows (multiples of 32 on the CPU, 256 on a GPU,
  // at least one such granule). The products always run per granule, so the maps are the same
  // bit for bit whatever the memory. TorchScript models hand out whole maps regardless.
  std::uint64_t attention_memory = kDefaultAttentionMemory;
};

// Throws bertology::Error naming the file for a missing/malformed config, vocab or weights.
std::unique_ptr<Model> load_model(const LoadOptions& options);

}  // namespace bertology::model

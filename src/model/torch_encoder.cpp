// The LibTorch side common to every architecture: devices, threads, precision, weight loading
// and the checked, inference-mode forward that hands each layer's maps out.
#include "torch_encoder.h"

#include <ATen/autocast_mode.h>
#include <dlfcn.h>

#include <limits>

namespace bertology::model {
namespace {

// LibTorch's intra-op threads do not cover the BLAS: Debian's OpenBLAS starts one thread per
// core in every process unless told otherwise, so both are set when the user asks for threads.
void set_threads(int threads) {
  torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (auto openblas_set_num_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    openblas_set_num_threads(threads);
  }
}

torch::ScalarType storage_type(Precision precision) {
  switch (precision) {
    case Precision::float32:
      return torch::kFloat32;
    case Precision::bfloat16:
      return torch::kBFloat16;
    case Precision::float16:
      return torch::kFloat16;
  }
  throw std::logic_error("unnamed precision");
}

// CUDA autocast for the length of one forward: matrix products in the reduced type, the
// operations autocast keeps in float32 (layer norm, softmax) in float32.
class AutocastScope {
 public:
  explicit AutocastScope(Precision precision) : active_(precision != Precision::float32) {
    if (!active_) return;
    was_enabled_ = at::autocast::is_enabled();
    previous_type_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(storage_type(precision));
    at::autocast::set_enabled(true);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!active_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_enabled(was_enabled_);
    at::autocast::set_autocast_gpu_dtype(previous_type_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_;
  bool was_enabled_ = false;
  at::ScalarType previous_type_ = at::kHalf;
};

}  // namespace

Device choose_device(int node_local_rank) {
  require(node_local_rank >= 0, "node-local rank must not be negative");
  if (!torch::cuda::is_available()) return {};
  const int visible = int(torch::cuda::device_count());
  return {DeviceKind::cuda, node_local_rank % visible};
}

void prepare_torch(const LoadOptions& options) {
  if (options.device.kind == DeviceKind::cuda) {
    require(torch::cuda::is_available() && options.device.index < int(torch::cuda::device_count()),
            "device " + options.device.str() + " is not available to LibTorch");
  }
  require(options.precision == Precision::float32 || options.device.kind == DeviceKind::cuda,
          "precision " + precision_name(options.precision) +
              " is CUDA autocast and needs a CUDA device; on the CPU the model runs in float32",
          {options.directory});
  if (options.threads > 0) set_threads(options.threads);
}

torch::Device torch_device(const Device& device) {
  return device.kind == DeviceKind::cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device.index))
                                         : torch::Device(torch::kCPU);
}

torch::Tensor gelu(const torch::Tensor& x, GeluForm form) {
  return torch::gelu(x, form == GeluForm::erf ? "none" : "tanh");
}

torch::Tensor WeightLoader::read(const std::string& name, torch::ScalarType type) {
  const TensorEntry& entry = reader_.entry(name);
  // safetensors.cpp requires a little-endian host: the file's F32 bytes are the floats.
  if (device_.is_cpu() && type == torch::kFloat32 && entry.dtype == DType::F32) {
    const TensorBytes bytes = reader_.bytes(name);
    if (reinterpret_cast<std::uintptr_t>(bytes.data) % alignof(float) == 0) {
      // Read only: the mapping is PROT_READ, and nothing writes to a weight in place.
      return torch::from_blob(
          const_cast<unsigned char*>(bytes.data), entry.shape, [mapping = bytes.mapping](void*) {}, torch::kFloat32);
    }
  }
  auto values = torch::empty(entry.shape, torch::kFloat32);
  reader_.read_float32(name, values.data_ptr<float>());
  return values.to(device_, type);
}

TorchEncoder::TorchEncoder(EncoderSetup& setup, std::int64_t vocab_size)
    : info_(std::move(setup.info)),
      tokenizer_(std::move(setup.tokenizer)),
      device_(setup.device),
      precision_(setup.precision),
      attention_memory_(setup.attention_memory),
      vocab_size_(vocab_size) {}

WeightLoader TorchEncoder::loader(SafetensorsReader& weights, double layer_norm_eps) const {
  return WeightLoader(weights, torch_device(device_), storage_type(precision_), layer_norm_eps);
}

void TorchEncoder::forward(const TokenBatch& batch, const LayerCallback& on_layer) {
  check(batch);
  try {
    torch::InferenceMode inference;
    AutocastScope autocast(precision_);
    const torch::Device device = torch_device(device_);
    const auto ids =
        torch::from_blob(const_cast<std::int64_t*>(batch.ids.data()), {batch.batch, batch.tokens}, torch::kInt64)
            .to(device);
    const auto lengths = torch::tensor(batch.lengths, torch::kInt64).to(device);
    torch::Tensor key_mask;
    // Padded keys get zero weight through -inf scores; every row keeps at least its first
    // token, so no softmax row is all -inf.
    if (std::any_of(batch.lengths.begin(), batch.lengths.end(),
                    [&](std::int64_t length) { return length < batch.tokens; })) {
      const auto is_pad = torch::arange(batch.tokens, torch::TensorOptions().dtype(torch::kInt64).device(device))
                              .unsqueeze(0)
                              .ge(lengths.unsqueeze(1));
      key_mask =
          torch::zeros({batch.batch, 1, 1, batch.tokens}, torch::TensorOptions().device(device))
              .masked_fill(is_pad.view({batch.batch, 1, 1, batch.tokens}), -std::numeric_limits<float>::infinity());
    }
    encode({batch, ids, lengths, key_mask, on_layer});
  } catch (const c10::Error& e) {
    throw Error(std::string("model forward failed: ") + e.what_without_backtrace(), {info_.directory});
  }
}

std::int64_t TorchEncoder::query_granule() const { return device_.kind == DeviceKind::cuda ? 256 : 32; }

std::int64_t TorchEncoder::query_block(std::int64_t batch, std::int64_t tokens) const {
  const std::int64_t granule = query_granule();
  // One query row of every head: its probabilities; a granule's scores and softmax come on top.
  const std::uint64_t row_bytes = std::uint64_t(batch) * std::uint64_t(info_.heads) * std::uint64_t(tokens) * 4;
  const std::uint64_t granule_bytes = std::uint64_t(granule) * row_bytes * std::uint64_t(score_buffers_ + 1);
  const std::int64_t rows =
      attention_memory_ > granule_bytes ? std::int64_t((attention_memory_ - granule_bytes) / row_bytes) : 0;
  const std::int64_t granules = std::max<std::int64_t>(1, rows / granule);
  return std::min(tokens, granules * granule);
}

void matmul_into(torch::Tensor& out, const torch::Tensor& a, const torch::Tensor& b) {
  if (out.defined() && !at::autocast::is_enabled() && out.scalar_type() == a.scalar_type() &&
      a.scalar_type() == b.scalar_type()) {
    out.resize_({0});  // keeps the memory; the product sets the shape (the last granule is shorter)
    at::matmul_out(out, a, b);
  } else {
    out = torch::matmul(a, b);
  }
}

torch::Tensor TorchEncoder::attend(const Pass& pass, int layer, const ScoreBlock& scores,
                                   const torch::Tensor& value) const {
  const std::int64_t rows = pass.batch.batch;
  const std::int64_t tokens = pass.batch.tokens;
  const std::int64_t granule = query_granule();
  const std::int64_t block = query_block(rows, tokens);
  const auto floats = torch::TensorOptions().dtype(torch::kFloat32).device(torch_device(device_));
  // On the CPU a fresh tensor beyond glibc's mmap threshold (32 MiB at most) costs a page fault
  // per 4 KiB: the block and the granules' buffers are reused (titin's 34,350 tokens faulted
  // 1.7 TB over 6 layers when each was new).
  const std::int64_t block_elements = rows * info_.heads * std::min(block, tokens) * tokens;
  if (!block_buffer_.defined() || block_buffer_.numel() < block_elements || block_buffer_.device() != floats.device())
    block_buffer_ = torch::empty({block_elements}, floats);
  torch::Tensor granule_scores, granule_probabilities = torch::empty({0}, floats), context;
  for (std::int64_t begin = 0; begin < tokens; begin += block) {
    const std::int64_t end = std::min(tokens, begin + block);
    const torch::Tensor probabilities = block_buffer_.narrow(0, 0, rows * info_.heads * (end - begin) * tokens)
                                            .view({rows, info_.heads, end - begin, tokens});
    // Every product runs on the same granules of query rows whatever the block: the maps do
    // not depend on the attention memory by a single rounding.
    for (std::int64_t first = begin; first < end; first += granule) {
      const std::int64_t last = std::min(end, first + granule);
      scores(first, last, granule_scores);
      const torch::Tensor exact = granule_scores.to(torch::kFloat32);
      if (pass.key_mask.defined()) exact.add_(pass.key_mask);
      granule_probabilities.resize_({0});  // keeps the memory, as in matmul_into
      at::softmax_out(granule_probabilities, exact, -1);
      probabilities.slice(2, first - begin, last - begin).copy_(granule_probabilities);
      if (!value.defined()) continue;
      const torch::Tensor granule_context = torch::matmul(granule_probabilities, value);
      if (!context.defined()) context = torch::empty(value.sizes(), granule_context.options());
      context.slice(2, first, last).copy_(granule_context);
    }
    hand_out(pass, layer, probabilities, begin);
  }
  return context;
}

void TorchEncoder::hand_out(const Pass& pass, int layer, const torch::Tensor& probabilities,
                            std::int64_t first_query) const {
  const auto maps = probabilities.to(torch::kFloat32).contiguous();
  // The callback's kernels (Kokkos) do not run on LibTorch's stream: the maps must be finished.
  if (device_.kind == DeviceKind::cuda) torch::cuda::synchronize(device_.index);
  pass.on_layer(layer, AttentionMaps{maps.data_ptr<float>(), pass.batch.batch, maps.size(1), pass.batch.tokens,
                                     first_query, maps.size(2), device_});
}

void TorchEncoder::check(const TokenBatch& batch) const {
  const ErrorContext context{info_.directory};
  const std::string shape = std::to_string(batch.batch) + " x " + std::to_string(batch.tokens);
  require(batch.batch > 0 && batch.tokens > 0, "empty token batch " + shape, context);
  require(info_.max_positions == 0 || batch.tokens <= info_.max_positions,
          "token rows of " + std::to_string(batch.tokens) + " exceed the model's " +
              std::to_string(info_.max_positions) + " positions (cut sequences first)",
          context);
  require(
      batch.ids.size() == std::size_t(batch.batch * batch.tokens) && batch.lengths.size() == std::size_t(batch.batch),
      "token batch " + shape + " holds " + std::to_string(batch.ids.size()) + " ids and " +
          std::to_string(batch.lengths.size()) + " lengths",
      context);
  for (std::int64_t row = 0; row < batch.batch; ++row) {
    require(batch.lengths[row] >= 1 && batch.lengths[row] <= batch.tokens,
            "row " + std::to_string(row) + " of the token batch has length " + std::to_string(batch.lengths[row]),
            context);
  }
  for (auto id : batch.ids) {
    require(id >= 0 && id < vocab_size_, "token id " + std::to_string(id) + " is outside the vocabulary", context);
  }
}

}  // namespace bertology::model

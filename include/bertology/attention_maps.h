#pragma once
// What the model hands the analysis: one layer's attention for a block of query rows, and the
// device its memory lives on. Neutral ground between the model (LibTorch) and the analysis
// (Kokkos): neither module's interface is needed to read it.
#include <cstdint>
#include <string>

namespace bertology {

// Bytes one layer's attention may take on a rank unless the user says otherwise: the maps of the
// paper's five models at 512 tokens in batches of 16 come whole (ProtAlbert's 64 heads take
// 3.2 GB); longer inputs come in blocks of query rows.
inline constexpr std::uint64_t kDefaultAttentionMemory = std::uint64_t(4) << 30;

enum class DeviceKind { cpu, cuda };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;
  std::string str() const { return kind == DeviceKind::cpu ? "cpu" : "cuda:" + std::to_string(index); }
};

// Attention probabilities of one layer, float32, contiguous [batch, heads, queries, tokens]:
// query rows [first_query, first_query + queries) of every batch row against all its keys.
// A layer arrives whole (first_query 0, queries == tokens) or as consecutive query blocks in
// ascending order that cover [0, tokens) once; each row is exact (softmax over all keys).
// The memory lives on `device` and is valid only while the callback runs. Entries that
// involve padding are not meaningful: padded keys get zero weight, padded query rows are junk.
struct AttentionMaps {
  const float* data = nullptr;
  std::int64_t batch = 0;
  std::int64_t heads = 0;
  std::int64_t tokens = 0;  // keys of every row: the padded row length
  std::int64_t first_query = 0;
  std::int64_t queries = 0;
  Device device;

  bool whole() const { return first_query == 0 && queries == tokens; }
  // Offset of element (row, head, query token, key) in `data`; query must be among the rows held.
  std::int64_t offset(std::int64_t row, std::int64_t head, std::int64_t query, std::int64_t key) const {
    return ((row * heads + head) * queries + (query - first_query)) * tokens + key;
  }
};

}  // namespace bertology

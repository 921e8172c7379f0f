#include "bertology/analysis/head_counter.h"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstring>
#include <sstream>

#include "bertology/error.h"
#include "execution_space.h"

namespace bertology::analysis {
namespace {

using TeamPolicy = Kokkos::TeamPolicy<ExecutionSpace>;
using TeamMember = TeamPolicy::member_type;

// The model's attention, read in place: [batch, head, query, key].
using AttentionView =
    Kokkos::View<const float****, Kokkos::LayoutRight, MemorySpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
// One head's bins while a team counts it: [measured property][bin].
using HeadBins = Kokkos::View<std::int32_t**, Kokkos::LayoutRight, ExecutionSpace::scratch_memory_space,
                              Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

constexpr double kContactAngstrom = 8.0;
constexpr int kContactMinSeparation = 6;
// A softmax row has fewer than 1/θ entries above θ, so on the host nearly every block of 16
// keys is passed over after a few vector compares against the lowest threshold. On a GPU the
// vector lanes take one key each, so that a warp reads consecutive keys (coalesced).
constexpr int kScanBlock = kHostAnalysis ? 16 : 1;
// Vector lanes per team thread: a warp's worth on a GPU, so that a thread's lanes read 32
// consecutive keys of its query row at once.
constexpr int kVectorLength = kHostAnalysis ? 1 : 32;

std::string format_threshold(double value) {
  std::ostringstream out;
  out.precision(12);
  out << value;
  return out.str();
}

ErrorContext row_context(const BatchRow& row, std::size_t index) {
  return ErrorContext{"", row.record ? row.record->id : "#" + std::to_string(index), 0};
}

// A reproducible stream of draws for one record's null permutation k: it depends only on the
// seed, the record's id and residues, and k, so any rank and block order gives the same null.
class NullStream {
 public:
  // Seeded by the residues analysed, not the whole record: a record read cut to max_residues
  // (corpus::CorpusReader::read_block) gets the permutations of the same record read whole.
  NullStream(std::uint64_t seed, const corpus::Record& record, int k, int residues) : state_(seed) {
    for (char c : record.id) mix(static_cast<unsigned char>(c));
    mix(0xff);
    const auto analysed = std::min(record.sequence.size(), static_cast<std::size_t>(residues));
    for (std::size_t i = 0; i < analysed; ++i) mix(static_cast<unsigned char>(record.sequence[i]));
    mix(static_cast<std::uint64_t>(k) + 1);
  }
  // Uniform in [0, bound) for bound ≥ 1, by rejection (no modulo bias, no library-defined mapping).
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    std::uint64_t draw = next();
    while (draw >= limit) draw = next();
    return draw % bound;
  }

 private:
  void mix(std::uint64_t value) { state_ = (state_ ^ value) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL; }
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

// Both Cα present, far enough apart in sequence; whether the pair is a contact is decided
// by the distance on top of this.
KOKKOS_INLINE_FUNCTION bool contact_eligible(int i, int j, int residues, std::uint8_t present_i,
                                             std::uint8_t present_j) {
  const int separation = i > j ? i - j : j - i;
  return i < residues && j < residues && present_i && present_j && separation >= kContactMinSeparation;
}

// Whether any of the kScanBlock values is above `lowest`. On the host, GCC/Clang vector types
// make it four 4-wide compares (a plain loop of fixed length is unrolled into scalar ones).
KOKKOS_INLINE_FUNCTION bool any_above(const float* values, float lowest) {
#if defined(__GNUC__) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
  static_assert(kScanBlock % 4 == 0 || !kHostAnalysis, "host blocks are whole 4-wide vectors");
  if constexpr (kScanBlock % 4 != 0) return values[0] > lowest;
  using Floats = float __attribute__((vector_size(16)));
  using Masks = std::int32_t __attribute__((vector_size(16)));
  Masks above{};
  for (int lane = 0; lane < kScanBlock; lane += 4) {
    Floats four;
    std::memcpy(&four, values + lane, sizeof four);
    above |= four > lowest;
  }
  std::uint64_t halves[2];
  std::memcpy(halves, &above, sizeof halves);
  return (halves[0] | halves[1]) != 0;
#else
  bool above = false;
  for (int lane = 0; lane < kScanBlock; ++lane) above |= values[lane] > lowest;
  return above;
#endif
}

}  // namespace

void validate_thresholds(const std::vector<double>& thresholds) {
  require(!thresholds.empty(), "no attention threshold given; expected values in (0, 1)");
  for (std::size_t k = 0; k < thresholds.size(); ++k) {
    const double theta = thresholds[k];
    require(theta > 0.0 && theta < 1.0,
            "attention threshold " + format_threshold(theta) + " is outside the open interval (0, 1)");
    // Attention is compared in float32: 0.99999999 is 1 there, and nothing is above it.
    require(static_cast<float>(theta) > 0.0f && static_cast<float>(theta) < 1.0f,
            "attention threshold " + format_threshold(theta) + " is " + format_threshold(static_cast<float>(theta)) +
                " in float32, the precision attention is compared in, which leaves the open interval (0, 1)");
    if (k == 0) continue;
    const double previous = thresholds[k - 1];
    require(theta != previous, "attention threshold " + format_threshold(theta) + " is given twice");
    require(theta > previous, "attention thresholds must be ascending, but " + format_threshold(theta) + " follows " +
                                  format_threshold(previous));
    require(static_cast<float>(theta) > static_cast<float>(previous),
            "attention thresholds " + format_threshold(previous) + " and " + format_threshold(theta) +
                " are the same number in float32, the precision attention is compared in");
  }
}

NullPermutation null_permutation(std::uint64_t seed, const corpus::Record& record, int k, int residues) {
  NullStream stream(seed, record, k, residues);
  NullPermutation null;
  null.permutation.resize(residues);
  for (int j = 0; j < residues; ++j) null.permutation[j] = j;
  for (int j = residues - 1; j > 0; --j)
    std::swap(null.permutation[j], null.permutation[stream.below(static_cast<std::uint64_t>(j) + 1)]);
  if (residues >= 2 * kContactMinSeparation)
    null.shift = kContactMinSeparation +
                 static_cast<int>(stream.below(static_cast<std::uint64_t>(residues - 2 * kContactMinSeparation + 1)));
  else
    null.shift = residues / 2;
  return null;
}

struct HeadCounter::Impl {
  CounterShape shape;
  PropertyPlan plan;
  // The rows of the bins are the rows of Counts::head_counts; `layout` holds no counts.
  Counts layout;
  int measured = 0;
  int first_residue_property = 0;
  // Contact rows of the bins: the observed one, then one per null permutation.
  int contact_maps = 0;
  Kokkos::View<float*, MemorySpace> thresholds;
  // bins(m, layer, head, b) counts the entries above exactly b + 1 thresholds (entries above
  // none are never stored); counts() turns them into "above θ_k" by suffix sums.
  Kokkos::View<std::int64_t****, Kokkos::LayoutRight, MemorySpace> bins;
  std::vector<std::int64_t> background_numerator;
  std::vector<std::int64_t> background_denominator;
  std::int64_t sequences = 0;
  std::int64_t residues = 0;

  // The batch prepared by begin_batch, reused by every layer.
  std::vector<BatchRow> rows;
  int max_residues = 0;
  Kokkos::View<std::int64_t*, MemorySpace> first_token;
  Kokkos::View<int*, MemorySpace> residue_count;
  // Bit j % 32 of close(row, i, j / 32) is set when both Cα are present and closer than 8 Å, at
  // any separation: (i, j) is a contact when it is set and |i − j| ≥ 6, and in null permutation
  // k when the bit of ((i + s_k) mod n, (j + s_k) mod n) is. One packed map per row serves the
  // observed contacts and every null, so it stays in cache while the attention streams past.
  Kokkos::View<std::uint32_t***, Kokkos::LayoutRight, MemorySpace> close;
  Kokkos::View<int**, Kokkos::LayoutRight, MemorySpace> shifts;  // [row][k]: s_k of the row
  Kokkos::View<int*, MemorySpace> contact_rows;  // the bins row of the observed contacts, then of each null
  // Per batch row, its null permutations (host only: they shape the lists built for the device).
  std::vector<std::vector<NullPermutation>> nulls;
  // The measured rows each key residue adds to, as lists: residue (row, j) owns
  // property_rows[property_offsets(row * max_residues + j) ...].
  Kokkos::View<int*, MemorySpace> property_offsets;
  Kokkos::View<int*, MemorySpace> property_rows;
  Kokkos::View<std::int64_t****, Kokkos::LayoutRight, MemorySpace> row_bins;  // [row][head][m][bin]

  void prepare_residue_properties();
  void prepare_contacts();
};

HeadCounter::HeadCounter(CounterShape shape, PropertyPlan plan) : impl_(std::make_unique<Impl>()) {
  require(shape.layers > 0 && shape.heads > 0, "the head counter needs at least one layer and one head, got " +
                                                   std::to_string(shape.layers) + " layers and " +
                                                   std::to_string(shape.heads) + " heads");
  validate_thresholds(shape.thresholds);
  Impl& s = *impl_;
  s.shape = std::move(shape);
  s.plan = std::move(plan);
  s.first_residue_property = s.plan.contact ? 2 : 1;
  s.layout = Counts(s.shape.layers, s.shape.heads, s.shape.thresholds, s.plan);
  s.layout.head_counts.clear();
  s.measured = s.layout.rows();
  s.contact_maps = s.plan.contact ? 1 + s.plan.null_permutations : 0;
  s.contact_rows = Kokkos::View<int*, MemorySpace>("bertology::contact_rows", s.contact_maps);
  auto contact_rows_host = Kokkos::create_mirror_view(s.contact_rows);
  for (int c = 0; c < s.contact_maps; ++c)
    contact_rows_host(c) = c == 0 ? s.layout.property_row(0) : s.layout.null_row(c - 1, s.layout.property_row(0));
  Kokkos::deep_copy(s.contact_rows, contact_rows_host);

  const int thresholds = static_cast<int>(s.shape.thresholds.size());
  s.thresholds = Kokkos::View<float*, MemorySpace>("bertology::thresholds", thresholds);
  auto thresholds_host = Kokkos::create_mirror_view(s.thresholds);
  for (int k = 0; k < thresholds; ++k) thresholds_host(k) = static_cast<float>(s.shape.thresholds[k]);
  Kokkos::deep_copy(s.thresholds, thresholds_host);

  s.bins = decltype(s.bins)("bertology::bins", s.measured, s.shape.layers, s.shape.heads, thresholds);
  s.background_numerator.assign(s.layout.properties.size(), 0);
  s.background_denominator.assign(s.layout.properties.size(), 0);
}

HeadCounter::~HeadCounter() = default;

void HeadCounter::begin_batch(const std::vector<BatchRow>& rows) {
  Impl& s = *impl_;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const BatchRow& row = rows[r];
    const ErrorContext context = row_context(row, r);
    require(row.record != nullptr, "batch row without a record", context);
    require(row.first_token >= 0 && row.residues >= 0 &&
                row.residues <= static_cast<std::int64_t>(row.record->sequence.size()),
            "batch row analyses " + std::to_string(row.residues) + " residues from token " +
                std::to_string(row.first_token) + ", but the sequence has " +
                std::to_string(row.record->sequence.size()),
            context);
    const std::size_t length = row.record->sequence.size();
    require(row.record->ca.empty() || (row.record->ca.size() == length && row.record->ca_mask.size() == length),
            "C-alpha coordinates do not match the sequence length", context);
    for (const auto& [name, values] : row.record->labels) {
      require(values.size() == length, "label \"" + name + "\" does not match the sequence length", context);
    }
  }

  s.rows = rows;
  s.max_residues = 0;
  for (const auto& row : rows) s.max_residues = std::max(s.max_residues, static_cast<int>(row.residues));
  const int batch = static_cast<int>(rows.size());

  s.first_token = decltype(s.first_token)("bertology::first_token", batch);
  s.residue_count = decltype(s.residue_count)("bertology::residue_count", batch);
  auto first_host = Kokkos::create_mirror_view(s.first_token);
  auto count_host = Kokkos::create_mirror_view(s.residue_count);
  for (int r = 0; r < batch; ++r) {
    first_host(r) = rows[r].first_token;
    count_host(r) = static_cast<int>(rows[r].residues);
    s.residues += rows[r].residues;
  }
  Kokkos::deep_copy(s.first_token, first_host);
  Kokkos::deep_copy(s.residue_count, count_host);
  s.sequences += batch;

  s.nulls.assign(batch, {});
  for (int r = 0; r < batch; ++r)
    for (int k = 0; k < s.plan.null_permutations; ++k)
      s.nulls[r].push_back(null_permutation(s.plan.null_seed, *rows[r].record, k, static_cast<int>(rows[r].residues)));

  s.prepare_residue_properties();
  s.prepare_contacts();
  s.row_bins = decltype(s.row_bins)(Kokkos::view_alloc("bertology::row_bins", Kokkos::WithoutInitializing), batch,
                                    s.shape.heads, s.measured, s.shape.thresholds.size());
}

// Lists, for every key residue, the measured rows it adds to (its properties, the labels known
// there, and the same for each null permutation), and adds the residues to the per-residue
// backgrounds. Built on the host from the records, copied once per batch.
void HeadCounter::Impl::prepare_residue_properties() {
  const int batch = static_cast<int>(rows.size());
  const int background_first = first_residue_property - 1;
  const std::vector<std::string>& known = layout.known_labels;
  std::vector<int> offsets{0};
  std::vector<int> property_rows_host;
  for (int r = 0; r < batch; ++r) {
    const corpus::Record& record = *rows[r].record;
    const auto label_values = [&record](const std::string& name) -> const std::vector<std::int8_t>* {
      const auto found = record.labels.find(name);
      return found == record.labels.end() ? nullptr : &found->second;
    };
    std::vector<const std::vector<std::int8_t>*> labels;
    for (const auto& property : plan.residues)
      labels.push_back(property.source == ResidueProperty::Source::label ? label_values(property.label) : nullptr);
    std::vector<const std::vector<std::int8_t>*> known_values;
    for (const auto& name : known) known_values.push_back(label_values(name));

    // The rows residue `source` of this record adds to, offset by `row_offset` (0 = observed).
    const auto add_rows = [&](int source, const auto& to_row) {
      for (std::size_t p = 0; p < plan.residues.size(); ++p) {
        const ResidueProperty& property = plan.residues[p];
        const bool has_property = property.source == ResidueProperty::Source::amino_acid
                                      ? record.sequence[source] == property.letter
                                      : labels[p] != nullptr && (*labels[p])[source] == property.value;
        if (has_property) property_rows_host.push_back(to_row(layout.property_row(first_residue_property - 1 + p)));
      }
      for (std::size_t d = 0; d < known.size(); ++d)
        if (known_values[d] != nullptr && (*known_values[d])[source] != corpus::kUnknownLabel)
          property_rows_host.push_back(to_row(layout.known_row(static_cast<int>(d))));
    };
    for (int j = 0; j < max_residues; ++j) {
      if (j < rows[r].residues) {
        for (std::size_t p = 0; p < plan.residues.size(); ++p) {
          const ResidueProperty& property = plan.residues[p];
          bool eligible = true;
          bool has_property = false;
          if (property.source == ResidueProperty::Source::amino_acid) {
            has_property = record.sequence[j] == property.letter;
          } else {
            const std::int8_t value = labels[p] ? (*labels[p])[j] : corpus::kUnknownLabel;
            eligible = value != corpus::kUnknownLabel;
            has_property = eligible && value == property.value;
          }
          background_denominator[background_first + p] += eligible;
          background_numerator[background_first + p] += has_property;
        }
        add_rows(j, [](int row) { return row; });
        for (int k = 0; k < plan.null_permutations; ++k)
          add_rows(nulls[r][k].permutation[j], [this, k](int row) { return layout.null_row(k, row); });
      }
      offsets.push_back(static_cast<int>(property_rows_host.size()));
    }
  }
  using HostInts = Kokkos::View<const int*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  property_offsets = Kokkos::View<int*, MemorySpace>("bertology::property_offsets", offsets.size());
  property_rows = Kokkos::View<int*, MemorySpace>("bertology::property_rows", property_rows_host.size());
  Kokkos::deep_copy(property_offsets, HostInts(offsets.data(), offsets.size()));
  Kokkos::deep_copy(property_rows, HostInts(property_rows_host.data(), property_rows_host.size()));
}

// The batch's maps of close Cα pairs, computed on the device in float64, the null shifts, and the
// contact background: eligible ordered pairs (|i − j| ≥ 6, both present) and those closer than 8 Å.
void HeadCounter::Impl::prepare_contacts() {
  const int batch = static_cast<int>(rows.size());
  const int width = max_residues;
  const int nulls_count = plan.null_permutations;
  close = decltype(close)("bertology::close", plan.contact ? batch : 0, width, (width + 31) / 32);
  shifts = decltype(shifts)("bertology::shifts", plan.contact ? batch : 0, nulls_count);
  if (!plan.contact || batch == 0 || width == 0) return;

  Kokkos::View<double***, Kokkos::LayoutRight, MemorySpace> ca("bertology::ca", batch, width, 3);
  Kokkos::View<std::uint8_t**, Kokkos::LayoutRight, MemorySpace> present("bertology::ca_present", batch, width);
  auto ca_host = Kokkos::create_mirror_view(ca);
  auto present_host = Kokkos::create_mirror_view(present);
  auto shifts_host = Kokkos::create_mirror_view(shifts);
  for (int r = 0; r < batch; ++r) {
    const corpus::Record& record = *rows[r].record;
    for (int j = 0; j < width; ++j) {
      const bool has = j < rows[r].residues && !record.ca.empty() && record.ca_mask[j];
      present_host(r, j) = has;
      for (int d = 0; d < 3; ++d) ca_host(r, j, d) = has ? record.ca[j][d] : 0.0;
    }
    for (int k = 0; k < nulls_count; ++k) shifts_host(r, k) = nulls[r][k].shift;
  }
  Kokkos::deep_copy(ca, ca_host);
  Kokkos::deep_copy(present, present_host);
  Kokkos::deep_copy(shifts, shifts_host);

  const auto residue_count = this->residue_count;
  const auto close = this->close;
  const int words = static_cast<int>(close.extent(2));
  const Kokkos::MDRangePolicy<ExecutionSpace, Kokkos::Rank<3>> pair_words({0, 0, 0}, {batch, width, words});
  std::int64_t eligible = 0;
  Kokkos::parallel_reduce(
      "bertology::close_pairs", pair_words,
      KOKKOS_LAMBDA(int r, int i, int word, std::int64_t& eligible_pairs) {
        std::uint32_t bits = 0;
        for (int bit = 0; bit < 32; ++bit) {
          const int j = 32 * word + bit;
          if (j >= width || i >= residue_count(r) || j >= residue_count(r) || i == j || !present(r, i) ||
              !present(r, j))
            continue;
          eligible_pairs += contact_eligible(i, j, residue_count(r), 1, 1);
          const double dx = ca(r, i, 0) - ca(r, j, 0);
          const double dy = ca(r, i, 1) - ca(r, j, 1);
          const double dz = ca(r, i, 2) - ca(r, j, 2);
          if (Kokkos::Experimental::sqrt(dx * dx + dy * dy + dz * dz) < kContactAngstrom) bits |= 1u << bit;
        }
        close(r, i, word) = bits;
      },
      eligible);
  std::int64_t contacts = 0;
  Kokkos::parallel_reduce(
      "bertology::contact_background", pair_words,
      KOKKOS_LAMBDA(int r, int i, int word, std::int64_t& contact_pairs) {
        const std::uint32_t bits = close(r, i, word);
        for (int bit = 0; bits != 0 && bit < 32; ++bit)
          contact_pairs += (bits >> bit & 1u) && contact_eligible(i, 32 * word + bit, residue_count(r), 1, 1);
      },
      contacts);
  background_denominator[0] += eligible;
  background_numerator[0] += contacts;
}

void HeadCounter::add_layer(int layer, const AttentionMaps& maps) {
  Impl& s = *impl_;
  const std::string what = "attention of layer " + std::to_string(layer);
  require(layer >= 0 && layer < s.shape.layers,
          "layer " + std::to_string(layer) + " is outside the model's " + std::to_string(s.shape.layers) + " layers");
  require(maps.heads == s.shape.heads,
          what + " has " + std::to_string(maps.heads) + " heads, expected " + std::to_string(s.shape.heads));
  require(
      maps.batch == static_cast<std::int64_t>(s.rows.size()),
      what + " has " + std::to_string(maps.batch) + " rows but the batch begun has " + std::to_string(s.rows.size()));
  require(maps.first_query >= 0 && maps.queries >= 1 && maps.first_query + maps.queries <= maps.tokens,
          what + " holds query rows [" + std::to_string(maps.first_query) + ", " +
              std::to_string(maps.first_query + maps.queries) + ") of " + std::to_string(maps.tokens) + " tokens");
  for (std::size_t r = 0; r < s.rows.size(); ++r) {
    const BatchRow& row = s.rows[r];
    require(row.first_token + row.residues <= maps.tokens,
            "residues up to token " + std::to_string(row.first_token + row.residues) + " but the attention has " +
                std::to_string(maps.tokens) + " tokens",
            row_context(row, r));
  }
  require((maps.device.kind == DeviceKind::cpu) == kHostAnalysis,
          "attention lives on " + maps.device.str() + " but the analysis runs in Kokkos' " + ExecutionSpace::name() +
              " space; build Kokkos with the matching backend");
  const int batch = static_cast<int>(maps.batch);
  const int heads = s.shape.heads;
  if (batch == 0) return;
  require(maps.data != nullptr, what + " has no data");

  const AttentionView attention(maps.data, maps.batch, maps.heads, maps.queries, maps.tokens);
  const std::int64_t first_query = maps.first_query;
  const std::int64_t end_query = maps.first_query + maps.queries;
  const int measured = s.measured;
  const int thresholds_count = static_cast<int>(s.shape.thresholds.size());
  const int width = s.max_residues;
  const int contact_maps = s.contact_maps;
  const auto contact_rows = s.contact_rows;
  const auto close = s.close;
  const auto shifts = s.shifts;
  const auto thresholds = s.thresholds;
  const auto first_token = s.first_token;
  const auto residue_count = s.residue_count;
  const auto property_offsets = s.property_offsets;
  const auto property_rows = s.property_rows;
  const auto row_bins = s.row_bins;

  // One team per (row, head). Hits above the lowest threshold are rare, so the team shares
  // one small histogram; the increments are atomic only on backends that run a team's
  // threads in parallel.
  const std::size_t head_bins_bytes = HeadBins::shmem_size(measured, thresholds_count);
  const int level = head_bins_bytes <= static_cast<std::size_t>(TeamPolicy::scratch_size_max(0)) ? 0 : 1;
  TeamPolicy policy(batch * heads, Kokkos::AUTO, kVectorLength);
  policy.set_scratch_size(level, Kokkos::PerTeam(head_bins_bytes));
  Kokkos::parallel_for(
      "bertology::count_heads", policy, KOKKOS_LAMBDA(const TeamMember& team) {
        const int r = team.league_rank() / heads;
        const int h = team.league_rank() % heads;
        const int residues = residue_count(r);
        const std::int64_t first = first_token(r);
        // The residues whose query rows this block holds.
        const int query_begin = first_query > first ? static_cast<int>(first_query - first) : 0;
        const int query_end = end_query - first < residues ? static_cast<int>(end_query - first) : residues;
        HeadBins head_bins(team.team_scratch(level), measured, thresholds_count);
        Kokkos::parallel_for(Kokkos::TeamVectorRange(team, measured * thresholds_count),
                             [&](int e) { head_bins(e / thresholds_count, e % thresholds_count) = 0; });
        team.team_barrier();

        const float lowest = thresholds(0);
        const int blocks = (residues + kScanBlock - 1) / kScanBlock;
        Kokkos::parallel_for(
            Kokkos::TeamThreadRange(team, query_begin, query_end > query_begin ? query_end : query_begin), [&](int i) {
              const float* query = &attention(r, h, first + i - first_query, first);
              Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, blocks), [&](int block) {
                const int begin = block * kScanBlock;
                const int end = begin + kScanBlock < residues ? begin + kScanBlock : residues;
                if (end - begin == kScanBlock && !any_above(query + begin, lowest)) return;
                for (int j = begin; j < end; ++j) {
                  const float alpha = query[j];
                  if (!(alpha > lowest)) continue;
                  int bin = 0;  // how many thresholds beyond the lowest α is also above
                  for (int k = 1; k < thresholds_count; ++k) bin += alpha > thresholds(k);
                  Kokkos::atomic_increment(&head_bins(0, bin));
                  if (contact_maps > 0 && (i > j ? i - j : j - i) >= kContactMinSeparation) {
                    if (close(r, i, j / 32) >> (j % 32) & 1u)
                      Kokkos::atomic_increment(&head_bins(contact_rows(0), bin));
                    for (int k = 1; k < contact_maps; ++k) {
                      const int shift = shifts(r, k - 1);
                      const int ii = (i + shift) % residues, jj = (j + shift) % residues;
                      if (close(r, ii, jj / 32) >> (jj % 32) & 1u)
                        Kokkos::atomic_increment(&head_bins(contact_rows(k), bin));
                    }
                  }
                  const int residue = r * width + j;
                  for (int q = property_offsets(residue); q < property_offsets(residue + 1); ++q) {
                    Kokkos::atomic_increment(&head_bins(property_rows(q), bin));
                  }
                }
              });
            });
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamVectorRange(team, measured * thresholds_count), [&](int e) {
          row_bins(r, h, e / thresholds_count, e % thresholds_count) =
              head_bins(e / thresholds_count, e % thresholds_count);
        });
      });

  // Each (property, head, bin) of the layer is owned by one iteration that sums the batch rows.
  const auto bins = s.bins;
  Kokkos::parallel_for(
      "bertology::add_layer", Kokkos::RangePolicy<ExecutionSpace>(0, measured * heads * thresholds_count),
      KOKKOS_LAMBDA(int e) {
        const int m = e / (heads * thresholds_count);
        const int h = e / thresholds_count % heads;
        const int b = e % thresholds_count;
        std::int64_t sum = 0;
        for (int r = 0; r < batch; ++r) sum += row_bins(r, h, m, b);
        bins(m, layer, h, b) += sum;
      });
  // The maps are only valid while the model's layer callback runs.
  Kokkos::fence();
}

Counts HeadCounter::counts() const {
  const Impl& s = *impl_;
  Counts counts(s.shape.layers, s.shape.heads, s.shape.thresholds, s.plan);
  const auto bins = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), s.bins);
  const int thresholds = static_cast<int>(s.shape.thresholds.size());
  for (int m = 0; m < s.measured; ++m) {
    for (int layer = 0; layer < s.shape.layers; ++layer) {
      for (int h = 0; h < s.shape.heads; ++h) {
        std::int64_t above = 0;
        for (int k = thresholds - 1; k >= 0; --k) {
          above += bins(m, layer, h, k);
          counts.head_counts[counts.index(m, layer, h, k)] = above;
        }
      }
    }
  }
  counts.background_numerator = s.background_numerator;
  counts.background_denominator = s.background_denominator;
  counts.sequences = s.sequences;
  counts.residues = s.residues;
  return counts;
}

}  // namespace bertology::analysis

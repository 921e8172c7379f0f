#include "attention_fixture.h"

#include <algorithm>
#include <cmath>

namespace bertology::analysis::testing {
namespace {

const std::vector<std::int8_t>* find_label(const corpus::Record& record, const std::string& name) {
  const auto found = record.labels.find(name);
  return found == record.labels.end() ? nullptr : &found->second;
}

bool has_property(const ResidueProperty& property, const corpus::Record& record, std::int64_t j) {
  if (property.source == ResidueProperty::Source::amino_acid) return record.sequence[j] == property.letter;
  const auto* values = find_label(record, property.label);
  return values && (*values)[j] != corpus::kUnknownLabel && (*values)[j] == property.value;
}

bool label_known(const ResidueProperty& property, const corpus::Record& record, std::int64_t j) {
  if (property.source == ResidueProperty::Source::amino_acid) return true;
  const auto* values = find_label(record, property.label);
  return values && (*values)[j] != corpus::kUnknownLabel;
}

bool coordinates_present(const corpus::Record& record, std::int64_t i) {
  return !record.ca.empty() && record.ca_mask[i] != 0;
}

bool contact_eligible(const corpus::Record& record, std::int64_t i, std::int64_t j) {
  return std::abs(i - j) >= 6 && coordinates_present(record, i) && coordinates_present(record, j);
}

bool is_contact(const corpus::Record& record, std::int64_t i, std::int64_t j) {
  if (!contact_eligible(record, i, j)) return false;
  const auto& a = record.ca[i];
  const auto& b = record.ca[j];
  const double distance =
      std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
  return distance < 8.0;
}

float random_attention(std::mt19937& random, const std::vector<float>& thresholds) {
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const float kind = unit(random);
  const float theta = thresholds[std::uniform_int_distribution<std::size_t>(0, thresholds.size() - 1)(random)];
  if (kind < 0.4f) return 0.05f * unit(random);
  if (kind < 0.5f) return theta;
  if (kind < 0.6f) return std::nextafter(theta, 1.0f);
  if (kind < 0.65f) return std::nextafter(theta, 0.0f);
  return unit(random);
}

}  // namespace

AttentionMaps Batch::maps(int layer, int heads) const {
  AttentionMaps maps;
  maps.data = layers[layer].data();
  maps.batch = static_cast<std::int64_t>(rows.size());
  maps.heads = heads;
  maps.tokens = tokens;
  maps.queries = tokens;
  return maps;
}

AttentionMaps Batch::block(int layer, int heads, std::int64_t first, std::int64_t count,
                           std::vector<float>& block) const {
  const auto rows_count = static_cast<std::int64_t>(rows.size());
  block.resize(static_cast<std::size_t>(rows_count * heads * count * tokens));
  for (std::int64_t r = 0; r < rows_count; ++r)
    for (std::int64_t h = 0; h < heads; ++h)
      std::copy_n(layers[static_cast<std::size_t>(layer)].begin() + ((r * heads + h) * tokens + first) * tokens,
                  count * tokens, block.begin() + (r * heads + h) * count * tokens);
  AttentionMaps maps = this->maps(layer, heads);
  maps.data = block.data();
  maps.first_query = first;
  maps.queries = count;
  return maps;
}

std::vector<corpus::LabelSchema> test_schemas() {
  return {corpus::LabelSchema{"binding_site", corpus::LabelKind::binary, {"no", "yes"}},
          corpus::LabelSchema{"ss4", corpus::LabelKind::categorical, {"helix", "strand", "turn_bend", "coil"}}};
}

std::vector<Protein> random_proteins(std::mt19937& random, int count, int min_length, int max_length, int layers,
                                     int heads, const std::vector<double>& thresholds) {
  const std::string letters = "ACDEFGHIKLMNPQRSTVWYXU";
  std::vector<float> float_thresholds;
  for (double theta : thresholds) float_thresholds.push_back(static_cast<float>(theta));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);

  std::vector<Protein> proteins(count);
  for (int n = 0; n < count; ++n) {
    Protein& protein = proteins[n];
    corpus::Record& record = protein.record;
    const int length = std::uniform_int_distribution<int>(min_length, max_length)(random);
    record.id = "protein_" + std::to_string(n);
    for (int i = 0; i < length; ++i) {
      record.sequence += letters[std::uniform_int_distribution<std::size_t>(0, letters.size() - 1)(random)];
    }
    if (n != 1) {
      std::array<double, 3> position{0.0, 0.0, 0.0};
      for (int i = 0; i < length; ++i) {
        std::array<double, 3> step{normal(random), normal(random), normal(random)};
        const double norm = std::sqrt(step[0] * step[0] + step[1] * step[1] + step[2] * step[2]);
        for (int d = 0; d < 3; ++d) position[d] += 3.8 * step[d] / norm;
        record.ca.push_back(position);
        record.ca_mask.push_back(unit(random) < 0.85 ? 1 : 0);
      }
    }
    if (n != 2) {
      auto& binding = record.labels["binding_site"];
      for (int i = 0; i < length; ++i) {
        const double u = unit(random);
        binding.push_back(u < 0.2 ? corpus::kUnknownLabel : u < 0.4 ? 1 : 0);
      }
    }
    auto& ss4 = record.labels["ss4"];
    for (int i = 0; i < length; ++i) {
      ss4.push_back(unit(random) < 0.1 ? corpus::kUnknownLabel
                                       : static_cast<std::int8_t>(std::uniform_int_distribution<int>(0, 3)(random)));
    }

    protein.residues = n % 4 == 3 ? std::max(0, length - 3) : length;
    const std::size_t cells = static_cast<std::size_t>(protein.residues * protein.residues);
    protein.attention.assign(layers, std::vector<std::vector<float>>(heads, std::vector<float>(cells)));
    for (auto& layer : protein.attention) {
      for (auto& head : layer) {
        for (auto& alpha : head) alpha = random_attention(random, float_thresholds);
      }
    }
  }
  return proteins;
}

Batch make_batch(const std::vector<const Protein*>& proteins, int layers, int heads) {
  Batch batch;
  for (std::size_t r = 0; r < proteins.size(); ++r) {
    const std::int64_t first = r % 2 == 0 ? 1 : 0;
    batch.rows.push_back(BatchRow{&proteins[r]->record, first, proteins[r]->residues});
    batch.tokens = std::max(batch.tokens, proteins[r]->residues + 2);
  }
  const std::int64_t rows = static_cast<std::int64_t>(proteins.size());
  const std::int64_t tokens = batch.tokens;
  batch.layers.assign(layers, std::vector<float>(static_cast<std::size_t>(rows * heads * tokens * tokens), kJunk));
  for (int layer = 0; layer < layers; ++layer) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const Protein& protein = *proteins[r];
      const std::int64_t first = batch.rows[r].first_token;
      for (int h = 0; h < heads; ++h) {
        for (std::int64_t i = 0; i < protein.residues; ++i) {
          for (std::int64_t j = 0; j < protein.residues; ++j) {
            batch.layers[layer][((r * heads + h) * tokens + first + i) * tokens + first + j] =
                protein.attention[layer][h][i * protein.residues + j];
          }
        }
      }
    }
  }
  return batch;
}

corpus::Record permuted_record(const corpus::Record& record, const NullPermutation& null, std::int64_t n) {
  corpus::Record copy = record;
  for (std::int64_t j = 0; j < n; ++j) {
    const int source = null.permutation[j];
    copy.sequence[j] = record.sequence[source];
    for (auto& [name, values] : copy.labels) values[j] = record.labels.at(name)[source];
    if (!record.ca.empty()) {
      const std::int64_t shifted = (j + null.shift) % n;
      copy.ca[j] = record.ca[shifted];
      copy.ca_mask[j] = record.ca_mask[shifted];
    }
  }
  return copy;
}

Counts reference_counts(const CounterShape& shape, const PropertyPlan& plan, const std::vector<Batch>& batches) {
  Counts counts(shape.layers, shape.heads, shape.thresholds, plan);
  const std::vector<std::string> known = plan.known_labels();
  const int first_residue_property = plan.contact ? 1 : 0;
  // Adds arc (i, j) above threshold k of `record` to the rows `to_row` maps the observed rows to.
  const auto count_arc = [&](const corpus::Record& record, std::int64_t i, std::int64_t j, int layer, int h,
                             std::size_t k, const auto& to_row) {
    if (plan.contact && is_contact(record, i, j))
      counts.head_counts[counts.index(to_row(counts.property_row(0)), layer, h, k)] += 1;
    for (std::size_t p = 0; p < plan.residues.size(); ++p)
      if (has_property(plan.residues[p], record, j))
        counts.head_counts[counts.index(to_row(counts.property_row(first_residue_property + p)), layer, h, k)] += 1;
    for (std::size_t d = 0; d < known.size(); ++d) {
      const auto label = record.labels.find(known[d]);
      if (label != record.labels.end() && label->second[j] != corpus::kUnknownLabel)
        counts.head_counts[counts.index(to_row(counts.known_row(static_cast<int>(d))), layer, h, k)] += 1;
    }
  };
  for (const Batch& batch : batches) {
    std::vector<std::vector<corpus::Record>> nulls(batch.rows.size());
    for (std::size_t r = 0; r < batch.rows.size(); ++r) {
      const BatchRow& row = batch.rows[r];
      const corpus::Record& record = *row.record;
      const std::int64_t n = row.residues;
      for (int k = 0; k < plan.null_permutations; ++k)
        nulls[r].push_back(
            permuted_record(record, null_permutation(plan.null_seed, record, k, static_cast<int>(n)), n));
      counts.sequences += 1;
      counts.residues += n;
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t j = 0; j < n; ++j) {
          if (plan.contact && i != j && contact_eligible(record, i, j)) {
            counts.background_denominator[0] += 1;
            counts.background_numerator[0] += is_contact(record, i, j);
          }
        }
      }
      for (std::size_t p = 0; p < plan.residues.size(); ++p) {
        for (std::int64_t j = 0; j < n; ++j) {
          counts.background_denominator[first_residue_property + p] += label_known(plan.residues[p], record, j);
          counts.background_numerator[first_residue_property + p] += has_property(plan.residues[p], record, j);
        }
      }
    }
    for (int layer = 0; layer < shape.layers; ++layer) {
      for (std::size_t r = 0; r < batch.rows.size(); ++r) {
        const BatchRow& row = batch.rows[r];
        for (int h = 0; h < shape.heads; ++h) {
          for (std::int64_t i = 0; i < row.residues; ++i) {
            for (std::int64_t j = 0; j < row.residues; ++j) {
              const float alpha =
                  batch.layers[layer][((r * shape.heads + h) * batch.tokens + row.first_token + i) * batch.tokens +
                                      row.first_token + j];
              for (std::size_t k = 0; k < shape.thresholds.size(); ++k) {
                if (!(alpha > static_cast<float>(shape.thresholds[k]))) continue;
                counts.head_counts[counts.index(0, layer, h, k)] += 1;
                count_arc(*row.record, i, j, layer, h, k, [](int observed) { return observed; });
                for (int null = 0; null < plan.null_permutations; ++null)
                  count_arc(nulls[r][null], i, j, layer, h, k,
                            [&counts, null](int observed) { return counts.null_row(null, observed); });
              }
            }
          }
        }
      }
    }
  }
  return counts;
}

Counts counted(const CounterShape& shape, const PropertyPlan& plan, const std::vector<Batch>& batches,
               std::int64_t query_block) {
  HeadCounter counter(shape, plan);
  std::vector<float> block;
  for (const Batch& batch : batches) {
    counter.begin_batch(batch.rows);
    for (int layer = 0; layer < shape.layers; ++layer) {
      if (query_block == 0) {
        counter.add_layer(layer, batch.maps(layer, shape.heads));
        continue;
      }
      for (std::int64_t first = 0; first < batch.tokens; first += query_block)
        counter.add_layer(layer,
                          batch.block(layer, shape.heads, first, std::min(query_block, batch.tokens - first), block));
    }
  }
  return counter.counts();
}

}  // namespace bertology::analysis::testing

#include "batch_step.h"

#include <algorithm>

#include "bertology/error.h"
#include "fault.h"
#include "progress.h"

namespace bertology::pipeline {

std::int64_t residue_cut(std::int64_t requested, const model::ModelInfo& info) {
  constexpr std::int64_t paper_cut = 510;
  const std::int64_t specials = info.leading_special_tokens + info.trailing_special_tokens;
  if (info.max_positions == 0) return requested > 0 ? requested : paper_cut;
  const std::int64_t fits = info.max_positions - specials;
  require(fits >= 1, "the model accepts no residues (max_position_embeddings too small)", {info.directory});
  if (requested == 0) return std::min(paper_cut, fits);
  require(requested <= fits,
          "--max-residues " + std::to_string(requested) + " does not fit " +
              model::architecture_name(info.architecture) + "'s " + std::to_string(info.max_positions) +
              " positions: at most " + std::to_string(fits) + " residues (" + std::to_string(specials) +
              " special tokens)",
          {info.directory});
  return requested;
}

StepTimes run_batch(model::Model& model, analysis::HeadCounter& counter, analysis::ContactPrecision* precision,
                    const std::vector<const corpus::Record*>& records, std::int64_t tokens, std::int64_t cut,
                    const std::string& source, int rank) {
  const model::ModelInfo& info = model.info();
  const model::Tokenizer& tokenizer = model.tokenizer();
  const int specials = info.leading_special_tokens + info.trailing_special_tokens;
  model::TokenBatch input;
  input.batch = static_cast<std::int64_t>(records.size());
  input.tokens = tokens;
  input.ids.assign(static_cast<std::size_t>(input.batch * input.tokens), tokenizer.pad_id());
  std::vector<analysis::BatchRow> rows;
  for (std::size_t row = 0; row < records.size(); ++row) {
    const corpus::Record& record = *records[row];
    const std::int64_t residues = std::min<std::int64_t>(static_cast<std::int64_t>(record.sequence.size()), cut);
    std::vector<std::int64_t> ids;
    fault_point("tokenize", rank);
    try {
      ids = tokenizer.encode(std::string_view(record.sequence).substr(0, static_cast<std::size_t>(residues)));
    } catch (const Error& error) {
      throw Error(error.what(), ErrorContext{source, record.id});
    }
    require(static_cast<std::int64_t>(ids.size()) == residues + specials && residues + specials <= tokens,
            "tokenizer produced an unexpected number of tokens", ErrorContext{source, record.id});
    std::copy(ids.begin(), ids.end(), input.ids.begin() + static_cast<std::ptrdiff_t>(row * input.tokens));
    input.lengths.push_back(static_cast<std::int64_t>(ids.size()));
    rows.push_back({&record, info.leading_special_tokens, residues});
  }
  StepTimes times;
  const double prepare_start = seconds_now();
  counter.begin_batch(rows);
  if (precision) precision->begin_batch(rows);
  times.analysis = seconds_now() - prepare_start;
  double in_callbacks = 0;  // the analysis runs inside the forward, between layers
  const double forward_start = seconds_now();
  model.forward(input, [&](int layer, const AttentionMaps& maps) {
    const double t = seconds_now();
    fault_point("analysis", rank);
    counter.add_layer(layer, maps);
    if (precision) precision->add_layer(layer, maps);
    in_callbacks += seconds_now() - t;
  });
  times.forward = seconds_now() - forward_start - in_callbacks;
  times.analysis += in_callbacks;
  return times;
}

}  // namespace bertology::pipeline

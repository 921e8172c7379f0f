#pragma once
// One batch through the model and the counter: the step `run` repeats over its shard and
// `bench` times. Kept in one place so that the benchmark measures exactly what runs.
#include <cstdint>
#include <string>
#include <vector>

#include "bertology/analysis/contact_precision.h"
#include "bertology/analysis/head_counter.h"
#include "bertology/corpus/record.h"
#include "bertology/model/model.h"

namespace bertology::pipeline {

// Residues analysed per sequence: `requested`, or with 0 the paper's 510 (fewer when the
// model's positions are fewer). Throws bertology::Error naming the model's limit when a
// requested cut does not fit its position table; ESM-2's rotary positions take any length.
std::int64_t residue_cut(std::int64_t requested, const model::ModelInfo& info);

struct StepTimes {
  double forward = 0;   // model time, analysis excluded
  double analysis = 0;  // begin_batch + every layer's counting
};

// Tokenizes the rows (cut at `cut` residues), pads them to `tokens`, runs the forward and
// counts every layer as soon as it exists (and ranks its pairs, when `precision` is given).
// `source` names the corpus in error messages; `rank` is this process's rank, for the
// injected faults at the tokenize and analysis stages (fault.h).
StepTimes run_batch(model::Model& model, analysis::HeadCounter& counter, analysis::ContactPrecision* precision,
                    const std::vector<const corpus::Record*>& records, std::int64_t tokens, std::int64_t cut,
                    const std::string& source, int rank);

}  // namespace bertology::pipeline

// `bertology bench`: one rank's throughput and memory on synthetic proteins, printed with the
// machine it ran on.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <thread>

#include "batch_step.h"
#include "bertology/analysis/properties.h"
#include "bertology/error.h"
#include "bertology/model/make_model.h"
#include "bertology/parallel/schedule.h"
#include "bertology/pipeline/commands.h"
#include "progress.h"
#include "threads.h"

namespace bertology::pipeline {
namespace {

// A field of /proc/self/status in kB (VmRSS, VmHWM), 0 where unavailable.
long status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  return 0;
}

// Resets the peak resident size (VmHWM) to the current one, so the peak of what follows
// can be read (Linux ≥ 4.0).
bool reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear);
}

std::string cpu_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// Random proteins with a compact random-walk backbone, so contacts are counted too.
std::vector<corpus::Record> synthetic_proteins(const BenchConfig& config) {
  require(config.sequences >= 1, "--sequences must be at least 1");
  require(config.min_length >= 1 && config.min_length <= config.max_length,
          "--min-length must be at least 1 and at most --max-length");
  std::mt19937_64 generator(config.seed);
  std::uniform_int_distribution<std::int64_t> length(config.min_length, config.max_length);
  std::uniform_int_distribution<int> letter(0, 19);
  std::normal_distribution<double> step(0.0, 2.2);
  const char* amino_acids = "ACDEFGHIKLMNPQRSTVWY";
  std::vector<corpus::Record> records(static_cast<std::size_t>(config.sequences));
  for (std::size_t r = 0; r < records.size(); ++r) {
    corpus::Record& record = records[r];
    record.id = "synthetic_" + std::to_string(r);
    std::array<double, 3> at{0, 0, 0};
    for (std::int64_t i = length(generator); i > 0; --i) {
      record.sequence += amino_acids[letter(generator)];
      for (auto& c : at) c += step(generator);
      record.ca.push_back(at);
      record.ca_mask.push_back(1);
    }
  }
  return records;
}

}  // namespace

void bench(const BenchConfig& config, std::ostream& out) {
  const int threads = threads_per_rank(config.threads);
  std::filesystem::path seeded;
  model::LoadOptions load;
  load.threads = threads;
  load.precision = model::parse_precision(config.precision);
  load.device = config.device;
  load.attention_memory = config.attention_memory;
  if (config.model.empty()) {
    seeded = std::filesystem::temp_directory_path() / ("bertology_bench_" + std::to_string(getpid()));
    model::MakeModelOptions make;
    make.architecture = model::parse_architecture(config.architecture);
    make.layers = config.layers;
    make.heads = config.heads;
    make.hidden = config.hidden;
    make.max_positions = std::max<int>(512, static_cast<int>(config.max_length) + 2);
    make.seed = config.seed;
    make.output = seeded.string();
    model::make_model(make);
    load.directory = seeded.string();
  } else {
    load.directory = config.model;
  }
  std::unique_ptr<model::Model> model;
  try {
    model = model::load_model(load);
  } catch (...) {
    if (!seeded.empty()) std::filesystem::remove_all(seeded);
    throw;
  }
  if (!seeded.empty()) std::filesystem::remove_all(seeded);
  const model::ModelInfo& info = model->info();

  const std::vector<corpus::Record> records = synthetic_proteins(config);
  const int specials = info.leading_special_tokens + info.trailing_special_tokens;
  const std::int64_t cut = residue_cut(config.max_length, info);
  std::vector<std::int64_t> tokens;
  std::int64_t residues = 0;
  for (const auto& record : records) {
    const auto n = std::min<std::int64_t>(static_cast<std::int64_t>(record.sequence.size()), cut);
    tokens.push_back(n + specials);
    residues += n;
  }
  const auto batches = parallel::plan_batches(tokens, {config.batch_size, config.max_tokens});
  analysis::HeadCounter counter({info.layers, info.heads, config.thresholds},
                                analysis::plan_properties({"contact", "aa"}, {}, true, "ACDEFGHIKLMNPQRSTVWY"));

  const long resident_before = status_kb("VmRSS");
  const bool peak_known = reset_peak_memory();
  StepTimes total;
  std::int64_t largest_layer_bytes = 0;
  std::int64_t largest_batch_block = 0;  // query rows per block of the largest batch; 0 = whole
  const double start = seconds_now();
  for (const auto& batch : batches) {
    std::vector<const corpus::Record*> rows;
    for (auto r : batch.records) rows.push_back(&records[static_cast<std::size_t>(r)]);
    const StepTimes step = run_batch(*model, counter, nullptr, rows, batch.tokens, cut, "synthetic", /*rank=*/0);
    total.forward += step.forward;
    total.analysis += step.analysis;
    const std::int64_t layer_bytes =
        static_cast<std::int64_t>(rows.size()) * info.heads * batch.tokens * batch.tokens * 4;
    if (layer_bytes > largest_layer_bytes) {
      largest_layer_bytes = layer_bytes;
      const std::int64_t block = model->query_block(static_cast<std::int64_t>(rows.size()), batch.tokens);
      largest_batch_block = block < batch.tokens ? block : 0;
    }
  }
  const double elapsed = seconds_now() - start;
  const long peak = status_kb("VmHWM");

  char line[512];
  out << "bench: machine " << cpu_name() << ", " << std::thread::hardware_concurrency() << " cores; device "
      << load.device.str() << ", " << threads << " thread(s)\n";
  std::snprintf(line, sizeof(line), "bench: model %s %d layers x %d heads, hidden %d (%s)\n",
                model::architecture_name(info.architecture).c_str(), info.layers, info.heads, info.hidden,
                config.model.empty() ? "seeded weights" : config.model.c_str());
  out << line;
  std::snprintf(line, sizeof(line),
                "bench: %lld sequences, %lld residues (lengths %lld..%lld), %zu batches of up to %lld\n",
                static_cast<long long>(records.size()), static_cast<long long>(residues),
                static_cast<long long>(config.min_length), static_cast<long long>(config.max_length), batches.size(),
                static_cast<long long>(config.batch_size));
  out << line;
  std::snprintf(line, sizeof(line),
                "bench: %.2f sequences/s, %.0f residues/s; forward %.3f s, analysis %.3f s (%.1f%% of forward)\n",
                records.size() / elapsed, residues / elapsed, total.forward, total.analysis,
                total.forward > 0 ? 100.0 * total.analysis / total.forward : 0.0);
  out << line;
  if (peak_known)
    std::snprintf(line, sizeof(line),
                  "bench: memory resident before the forwards %.0f MiB; peak during them %.0f MiB (+%.0f MiB); one "
                  "layer's attention of the largest batch %.0f MiB%s\n",
                  resident_before / 1024.0, peak / 1024.0, (peak - resident_before) / 1024.0,
                  largest_layer_bytes / 1048576.0,
                  largest_batch_block > 0
                      ? (", computed in blocks of " + std::to_string(largest_batch_block) + " query rows").c_str()
                      : "");
  else
    std::snprintf(line, sizeof(line), "bench: peak memory not measurable here (/proc/self/clear_refs)\n");
  out << line;
}

}  // namespace bertology::pipeline

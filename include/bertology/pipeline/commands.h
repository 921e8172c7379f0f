#pragma once
// The subcommands of `bertology` as library calls; src/apps only parses options into these
// plain config structs and calls them.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "bertology/attention_maps.h"
#include "bertology/parallel/mpi.h"

namespace bertology::pipeline {

struct PrepareConfig {
  std::vector<std::string> inputs;  // files, or directories searched recursively for structures
  std::string output;
  std::string format;  // fasta|proteinnet|provis|netsurfp|pdb|mmcif; empty = guess per file
  std::string label;   // provis: binding_site|ptm; empty = guess from the file name
  // Structures (PDB/mmCIF):
  std::vector<std::string> chains;     // empty = every protein chain
  std::string binding_sites = "both";  // none|ligands|annotated|both
  double ligand_distance = 4.0;        // Å
  bool include_ions = false;
  // Corpus quality:
  std::int64_t min_residues = 1;  // shorter records are skipped (and reported)
  bool dedupe = false;            // keep the first of identical sequences
  bool strict = false;            // a bad file fails the run instead of being skipped
  // Blocks and subsets:
  std::int64_t block_size = 0;  // records per block (the unit of work of run); 0 = N/1024 in [4, 256]
  std::int64_t sample = 0;      // keep this many records, drawn reproducibly; 0 = all
  std::uint64_t seed = 1;       // of the sample
  std::string log;              // per-file log; empty = <output>.log
  bool force = false;
  bool quiet = false;
  std::string command_line;
};

struct RunConfig {
  std::string model;         // model folder
  std::string architecture;  // empty = detect from config.json
  std::string corpus;
  std::vector<std::string> properties{"contact", "binding_site", "ptm", "ss4", "aa"};
  bool properties_given = false;  // false: measure the defaults the corpus can provide
  std::vector<double> thresholds{0.3};
  std::string output;
  bool force = false;
  // Residues analysed per sequence (longer ones are cut at the C-terminal end); 0 = the paper's
  // 510, or fewer when the model's position table is smaller. A larger value than the model's
  // positions allow is an error; ESM-2's rotary positions take any length.
  std::int64_t max_residues = 0;
  std::string contact_atom = "ca";  // ca: Cα–Cα (the paper); cb: Cβ–Cβ, Cα for glycine
  // Batches are cut inside each block; 0 = what suits the device (CPU: one sequence per batch,
  // which runs faster there than padded batches; GPU: up to 16 sequences and 16384 tokens).
  std::int64_t batch_size = 0;
  std::int64_t max_tokens = 0;
  int threads = 0;                    // per rank; 0 = SLURM_CPUS_PER_TASK, else 1
  std::string precision = "float32";  // float32|bfloat16|float16 (reduced: CUDA autocast)
  // Bytes one layer's attention may take per rank; beyond it a layer is computed in blocks of
  // query rows (exact; contact precision needs whole layers).
  std::uint64_t attention_memory = kDefaultAttentionMemory;
  Device device;  // where this rank computes: model::choose_device of its node-local rank
  std::int64_t groups = 0;            // also keep counts per group of blocks (for bootstrap)
  int null_permutations = 0;          // null control: counts with labels permuted K times
  std::uint64_t null_seed = 1;        // of the permutations
  // Per-head contact precision (APC, top L/5, L/2, L long-range pairs): auto = when the corpus
  // has coordinates and the attention is in host memory; on; off.
  std::string contact_precision = "auto";
  bool resume = false;               // continue from the checkpoint of an interrupted run
  std::string checkpoint_directory;  // empty = <output>.checkpoint
  double checkpoint_interval = 300;  // seconds between each rank's saves; 0 = only when stopped
  bool quiet = false;
  std::string command_line;
};

// How `run` ended: complete (result written) or stopped by SIGTERM/SIGUSR1 with every rank's
// state saved; `bertology run` exits with kInterruptedExitStatus then, so job scripts can requeue.
enum class RunOutcome { complete, interrupted };
constexpr int kInterruptedExitStatus = 75;  // EX_TEMPFAIL: try again (with --resume)

// `bertology plan`: the schedule `run` would follow on N ranks, from estimated block costs or
// from the measured block times of an earlier result.
struct PlanConfig {
  std::string corpus;
  std::vector<int> ranks{1};
  std::string result;      // replay its /blocks/seconds (same corpus and block size)
  int hidden = 768;        // the model's hidden size (cost of the projections vs attention)
  int special_tokens = 2;  // tokens the model adds (2 for BERT/ALBERT/ESM/XLNet)
  std::int64_t max_residues = 510;
  std::int64_t batch_size = 1;
  std::int64_t max_tokens = 0;
};

struct AttentionConfig {
  std::string model;
  std::string architecture;
  std::string sequence;
  std::vector<std::int64_t> input_ids;  // bypasses the tokenizer when not empty
  std::string output;
  bool force = false;
  int threads = 0;
  std::string precision = "float32";
  std::uint64_t attention_memory = kDefaultAttentionMemory;  // as run
  Device device;                                              // as run
};

struct ReportConfig {
  std::string result;
  std::string format = "text";  // text|csv|json
  std::string output;           // empty = stdout
  int top = 10;
  double threshold = 0.0;  // 0 = the threshold closest to 0.3
  std::int64_t min_arcs = 100;
  int bootstrap = 0;         // resamples; 0 = enough for the corrected percentiles
  std::uint64_t seed = 1;    // of the bootstrap
  std::string html;          // directory for the HTML page, figures and heads.csv; empty = none
  bool png = false;          // also PNG figures (rsvg-convert)
};

// `bertology merge`: several results (a sweep over models and thresholds) in one sweep.h5, and
// the best head of every property at every threshold of every result, compared.
struct MergeConfig {
  std::vector<std::string> results;  // result.h5 files, one member each, in this order
  std::string sweep;                 // sweep.h5 to write (-o)
  bool force = false;                // replace an existing sweep.h5
  bool allow_different_corpora = false;
  std::string format = "text";  // text|csv|json: the printed comparison
  std::string output;           // the printed comparison; empty = stdout
  std::int64_t min_arcs = 100;
  std::string html;  // directory for the HTML page, figures and comparison.csv; empty = none
  std::string command_line;
};

// A measurement of one rank's throughput on synthetic proteins with a seeded model (or a
// given model folder): sequences/s, residues/s, forward vs analysis time, peak memory.
struct BenchConfig {
  std::string model;  // existing model folder; empty = a seeded one of the shape below
  std::string architecture = "prot_bert";
  int layers = 30;  // ProtBert shape by default
  int heads = 16;
  int hidden = 1024;
  std::int64_t sequences = 16;
  std::int64_t min_length = 100;  // residues, uniform between min and max
  std::int64_t max_length = 500;
  std::int64_t batch_size = 8;
  std::int64_t max_tokens = 0;
  std::vector<double> thresholds{0.1, 0.3, 0.5};
  int threads = 0;  // 0 = SLURM_CPUS_PER_TASK, else 1 (as run)
  std::string precision = "float32";
  std::uint64_t attention_memory = kDefaultAttentionMemory;  // as run
  Device device;                                              // as run
  std::uint64_t seed = 1;
};

void prepare(const PrepareConfig& config, const parallel::Communicator& comm);
void bench(const BenchConfig& config, std::ostream& out);
RunOutcome run(const RunConfig& config, const parallel::Communicator& comm);
void plan(const PlanConfig& config, const parallel::Communicator& comm, std::ostream& out);
void attention(const AttentionConfig& config);
void report(const ReportConfig& config);
void merge(const MergeConfig& config);
void info(const std::string& path, std::ostream& out);

}  // namespace bertology::pipeline

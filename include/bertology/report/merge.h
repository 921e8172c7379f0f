#pragma once
// `bertology merge`: the results of a sweep over models and thresholds (one result.h5 per model,
// each with one or more θ) in one sweep.h5 that keeps every member whole with its own provenance,
// and one table of every member's best head per threshold and property.
//
// sweep.h5:
//   /members/NNN          a member result copied whole (000, 001, ... in the order given), with
//                         attributes source (absolute path) and source_sha256
//   /comparison/<column>  parallel 1-D datasets, one row per member × threshold × property:
//                         member int64, model string, threshold float64, property string,
//                         best_head string ("layer-head", "" when no head is eligible), layer and
//                         head int64 (1-based, 0 when none), proportion, ci_low, ci_high float64,
//                         interval string ("bootstrap" | "wilson"), enrichment float64, arcs int64,
//                         eligible_heads int64, heads_beating_null int64 (-1 without a null)
//   root attributes       kind = "bertology sweep", version, command_line, created (UTC),
//                         members, corpus_sha256 (the members' common one, or "several"), min_arcs
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "bertology/io/result_data.h"
#include "bertology/report/report.h"

namespace bertology::report {

struct SweepMember {
  std::string source;  // absolute path of the result file
  std::string source_sha256;
  std::string model;  // the model folder's name, for tables ("member NNN" when the result has none)
  io::ResultData data;
};

struct ComparisonRow {
  int member = 0;  // index into Sweep::members
  std::string model;
  double threshold = 0;
  std::string property;
  int layer = -1;  // 0-based best eligible head; -1 when no head is eligible
  int head = -1;
  double proportion = 0;  // NaN when no head is eligible (as every number below)
  // Bonferroni over the property's eligible heads, as in the report: the bootstrap over groups of
  // sequences when the member kept --groups, else Wilson's (the paper's).
  Interval interval;
  std::string interval_kind;             // "bootstrap" | "wilson"
  double enrichment = 0;                 // proportion / background rate; NaN when the background is unknown
  std::int64_t arcs = 0;                 // the proportion's denominator
  int eligible_heads = 0;                // the property's Bonferroni family
  std::int64_t heads_beating_null = -1;  // after the max-T correction; -1 without a null control
};

struct MergeOptions {
  std::int64_t min_arcs = 100;  // heads with fewer arcs (in the property's denominator) cannot be best
  bool allow_different_corpora = false;
  std::string command_line;  // provenance of the sweep
  std::string created;       // UTC time stamp
};

struct Sweep {
  std::vector<SweepMember> members;
  std::string corpus_sha256;  // the members' common one, or "several"
  std::int64_t min_arcs = 100;
  std::string command_line;
  std::string created;
  std::vector<ComparisonRow> rows;  // member by member, thresholds ascending, properties in the member's order
};

// Reads the results (io::read_result: a file that is not one is an error), hashes them and
// compares them. Refuses an input given twice and, unless allowed, results whose corpus_sha256
// differ (or are missing), naming both files and both checksums.
Sweep load_sweep(const std::vector<std::string>& paths, const MergeOptions& options);

// The best eligible head (report::summarize with top_k 1) of every property at every threshold
// of every member.
std::vector<ComparisonRow> compare(const std::vector<SweepMember>& members, std::int64_t min_arcs);

// Writes sweep.h5 under a hidden temporary name, renamed into place when complete (removed on
// error). An existing `path` is refused unless `force`.
void write_sweep(const std::string& path, const Sweep& sweep, bool force);

// text: one block per property, a row per model@θ; csv: one line per comparison row; json: the
// members with their provenance, and the rows.
void write_comparison(const Sweep& sweep, Format format, std::ostream& out);

// DIR/index.html (one self-contained page: heatmaps of the best head's proportion and enrichment
// per model@θ and property, the comparison table, every member's provenance), DIR/figures/*.svg
// and DIR/comparison.csv. Returns the page's path.
std::string write_sweep_html(const Sweep& sweep, const std::string& directory);

}  // namespace bertology::report

// `bertology merge`: result.h5 files of a sweep → sweep.h5, and their comparison printed.
#include "bertology/report/merge.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "bertology/error.h"
#include "bertology/pipeline/commands.h"
#include "provenance.h"

namespace bertology::pipeline {

void merge(const MergeConfig& config) {
  namespace fs = std::filesystem;
  const report::Format format = report::parse_format(config.format);
  require(!config.sweep.empty(), "merge: name the sweep file to write with -o");
  // --table is the printed comparison, -o the sweep: the same name for both would lose one.
  require(config.output.empty() ||
              fs::absolute(config.output).lexically_normal() != fs::absolute(config.sweep).lexically_normal(),
          "merge: --table (the printed comparison) and -o (sweep.h5) name the same file", ErrorContext{config.sweep});
  report::MergeOptions options;
  options.min_arcs = config.min_arcs;
  options.allow_different_corpora = config.allow_different_corpora;
  options.command_line = config.command_line;
  options.created = utc_now();
  const report::Sweep sweep = report::load_sweep(config.results, options);
  report::write_sweep(config.sweep, sweep, config.force);
  std::cerr << "merge: wrote " << config.sweep << " (" << sweep.members.size() << " results, " << sweep.rows.size()
            << " comparison rows)\n";
  if (!config.html.empty()) {
    const std::string page = report::write_sweep_html(sweep, config.html);
    std::cerr << "merge: wrote " << page << " (figures in " << config.html << "/figures, the table in " << config.html
              << "/comparison.csv)\n";
  }
  if (config.output.empty()) {
    report::write_comparison(sweep, format, std::cout);
    return;
  }
  std::ofstream out(config.output);
  require(static_cast<bool>(out), "cannot write", ErrorContext{config.output});
  report::write_comparison(sweep, format, out);
  require(static_cast<bool>(out.flush()), "cannot write", ErrorContext{config.output});
}

}  // namespace bertology::pipeline

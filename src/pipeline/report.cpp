// `bertology report`: reads result.h5 and hands it to the report module.
#include "bertology/report/report.h"

#include <fstream>
#include <iostream>

#include "bertology/error.h"
#include "bertology/io/result_file.h"
#include "bertology/pipeline/commands.h"

namespace bertology::pipeline {

void report(const ReportConfig& config) {
  report::ReportOptions options;
  options.top_k = config.top;
  options.min_arcs = config.min_arcs;
  if (config.threshold > 0) options.threshold = config.threshold;
  options.bootstrap_resamples = config.bootstrap;
  options.seed = config.seed;
  const report::Format format = report::parse_format(config.format);
  require(!config.png || !config.html.empty(), "--png writes the figures of --html DIR; give --html too");
  const io::ResultData data = io::read_result(config.result);
  if (!config.html.empty()) {
    const std::string page = report::write_html(data, options, report::HtmlOptions{config.png}, config.html);
    std::cerr << "report: wrote " << page << " (figures in " << config.html << "/figures, every head in " << config.html
              << "/heads.csv)\n";
  }
  if (config.output.empty()) {
    report::write_report(data, options, format, std::cout);
    return;
  }
  std::ofstream out(config.output);
  require(static_cast<bool>(out), "cannot write", ErrorContext{config.output});
  report::write_report(data, options, format, out);
}

}  // namespace bertology::pipeline

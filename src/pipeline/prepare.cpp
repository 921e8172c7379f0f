// `bertology prepare`: input files → corpus.h5.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "bertology/corpus/corpus_file.h"
#include "bertology/corpus/readers.h"
#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/pipeline/commands.h"
#include "bertology/structure/structure_reader.h"
#include "provenance.h"

namespace bertology::pipeline {
namespace {

corpus::Dataset read_input(const std::string& path, const PrepareConfig& config) {
  require(std::filesystem::is_regular_file(path), "no such file", ErrorContext{path});
  const corpus::Format format = config.format.empty() ? corpus::guess_format(path) : corpus::parse_format(config.format);
  corpus::ReadOptions options;
  options.label = config.label;
  return structure::read_input(path, format, options);
}

void merge_into(corpus::Dataset& all, corpus::Dataset&& part, const std::string& path) {
  for (const auto& schema : part.schemas) {
    auto same = std::find_if(all.schemas.begin(), all.schemas.end(),
                             [&](const corpus::LabelSchema& s) { return s.name == schema.name; });
    if (same == all.schemas.end())
      all.schemas.push_back(schema);
    else
      require(same->kind == schema.kind && same->classes == schema.classes,
              "label " + schema.name + " has other classes than in an earlier input", ErrorContext{path});
  }
  for (auto& record : part.records) all.records.push_back(std::move(record));
}

}  // namespace

void prepare(const PrepareConfig& config, const parallel::Communicator& comm) {
  // Reading the text formats is I/O-bound and fast; rank 0 does it and the others wait.
  if (comm.root()) {
    require(!config.inputs.empty(), "no input files given");
    require(!config.output.empty(), "no output file given (-o)");
    require(config.force || !std::filesystem::exists(config.output), "output exists; use --force to overwrite it",
            ErrorContext{config.output});
    corpus::Dataset all;
    std::string checksums;
    for (const auto& path : config.inputs) {
      corpus::Dataset part = read_input(path, config);
      if (!config.quiet)
        std::fprintf(stderr, "prepare: %s: %zu records\n", path.c_str(), part.records.size());
      merge_into(all, std::move(part), path);
      checksums += (checksums.empty() ? "" : ",") + io::sha256_file(path);
    }
    std::int64_t residues = 0;
    for (const auto& record : all.records) residues += static_cast<std::int64_t>(record.sequence.size());
    corpus::write_corpus(config.output, all,
                         {{"sources", join(config.inputs, ",")},
                          {"sources_sha256", checksums},
                          {"command_line", config.command_line},
                          {"created", utc_now()}},
                         config.force);
    if (!config.quiet)
      std::fprintf(stderr, "prepare: wrote %s (%zu sequences, %lld residues, labels:%s%s)\n", config.output.c_str(),
                   all.records.size(), static_cast<long long>(residues), all.schemas.empty() ? " none" : "",
                   [&] {
                     std::string names;
                     for (const auto& s : all.schemas) names += " " + s.name;
                     return names;
                   }()
                       .c_str());
  }
  comm.barrier();
}

}  // namespace bertology::pipeline

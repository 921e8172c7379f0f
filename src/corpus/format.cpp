// Input format names, guessing a file's format, and dispatch to the text readers.
#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <string_view>

#include "bertology/corpus/readers.h"
#include "text_input.h"

namespace bertology::corpus {

namespace {

struct NamedFormat {
  Format format;
  const char* name;
};

constexpr std::array<NamedFormat, 6> kFormats{{{Format::fasta, "fasta"},
                                               {Format::proteinnet, "proteinnet"},
                                               {Format::provis, "provis"},
                                               {Format::netsurfp, "netsurfp"},
                                               {Format::pdb, "pdb"},
                                               {Format::mmcif, "mmcif"}}};

std::string format_choices() {
  std::string choices;
  for (const auto& entry : kFormats) choices += (choices.empty() ? "" : ", ") + std::string(entry.name);
  return choices;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Extensions in lower case, with the dot. ".gz" is allowed for structures (gemmi reads them
// through zlib) and FASTA (streamed through zlib), ".zst" for FASTA (streamed through
// libzstd); the other text readers do not read them.
std::optional<Format> format_from_extension(const std::string& path) {
  std::string name = lower(std::filesystem::path(path).filename().string());
  const bool gzip = ends_with(name, ".gz"), zstd = ends_with(name, ".zst");
  if (gzip) name.resize(name.size() - 3);
  if (zstd) name.resize(name.size() - 4);
  const std::string extension = std::filesystem::path(name).extension().string();
  if (extension == ".fasta" || extension == ".fa" || extension == ".faa" || extension == ".fas") return Format::fasta;
  require(!zstd, "zstd-compressed input is read for FASTA only (.fasta.zst, .fa.zst); decompress it", {path});
  if (extension == ".pdb" || extension == ".ent") return Format::pdb;
  if (extension == ".cif" || extension == ".mmcif") return Format::mmcif;
  require(!gzip,
          "gzip-compressed input is read for PDB/mmCIF and FASTA only (.pdb.gz, .cif.gz, .fasta.gz, .fa.gz); "
          "decompress it",
          {path});
  if (extension == ".jsonl") return Format::provis;
  if (extension == ".csv") return Format::netsurfp;
  return std::nullopt;
}

// The first non-blank line among the first few KiB decides.
std::optional<Format> format_from_content(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  require(stream.is_open(), "cannot open file for reading", {path});
  std::string head(4096, '\0');
  stream.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(stream.gcount()));

  std::string_view text = head;
  std::string_view line;
  while (!text.empty() && line.empty()) {
    std::size_t end = text.find('\n');
    line = detail::trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  if (line == "[ID]") return Format::proteinnet;
  if (starts_with(line, ">")) return Format::fasta;
  if (starts_with(line, "{")) return Format::provis;
  if (starts_with(line, "input") && detail::trim(line.substr(5)).substr(0, 1) == ",") return Format::netsurfp;
  if (starts_with(line, "data_")) return Format::mmcif;
  for (const char* record :
       {"HEADER", "ATOM  ", "HETATM", "REMARK", "CRYST1", "MODEL ", "TITLE ", "COMPND", "EXPDTA"}) {
    if (starts_with(line, record) || line == detail::trim(record)) return Format::pdb;
  }
  return std::nullopt;
}

}  // namespace

Format parse_format(const std::string& name) {
  const std::string wanted = lower(name);
  for (const auto& entry : kFormats) {
    if (wanted == entry.name) return entry.format;
  }
  throw Error("unknown input format '" + name + "' (choices: " + format_choices() + ")");
}

std::string format_name(Format format) {
  for (const auto& entry : kFormats) {
    if (entry.format == format) return entry.name;
  }
  throw Error("format_name: invalid Format value " + std::to_string(static_cast<int>(format)));
}

Format guess_format(const std::string& path) {
  require(std::filesystem::is_regular_file(path), "no such file", {path});
  if (auto format = format_from_extension(path)) return *format;
  if (auto format = format_from_content(path)) return *format;
  throw Error("cannot tell the input format from the file name or its first line; pass --format with one of: " +
                  format_choices(),
              {path});
}

Dataset read_file(const std::string& path, Format format, const ReadOptions& options) {
  switch (format) {
    case Format::fasta:
      return read_fasta(path);
    case Format::proteinnet:
      return read_proteinnet(path);
    case Format::provis:
      return read_provis(path, options);
    case Format::netsurfp:
      return read_netsurfp(path);
    case Format::pdb:
    case Format::mmcif:
      break;
  }
  throw Error(format_name(format) + " files are read by the structure module (bertology::structure::read_structure)",
              {path});
}

}  // namespace bertology::corpus

#pragma once
// Structure files for the reader tests: Debian's theseus-examples, gzip in and out, PDB lines
// written to their columns, and residue numbers read straight from the text.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../corpus/scratch_files.h"
#include "bertology/corpus/record.h"

namespace bertology::testing {

// Installed by env/setup-debian.sh (package theseus-examples).
inline const std::string kTheseusExamples = "/usr/share/doc/theseus/examples";

#define BERTOLOGY_REQUIRE_THESEUS_EXAMPLES()                                                      \
  do {                                                                                            \
    if (!std::filesystem::exists(::bertology::testing::kTheseusExamples)) {                       \
      std::printf("skipped: theseus-examples not installed (env/setup-debian.sh installs it)\n"); \
      GTEST_SKIP() << "theseus-examples not installed";                                           \
    }                                                                                             \
  } while (0)

inline std::string read_gzip(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  EXPECT_NE(file, nullptr) << path;
  if (!file) return {};
  std::string text;
  char chunk[1 << 16];
  int got = 0;
  while ((got = gzread(file.get(), chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<std::size_t>(got));
  return text;
}

inline void write_gzip(const std::string& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, content.data(), static_cast<unsigned>(content.size())), static_cast<int>(content.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

inline bool is_atom_line(const std::string& line) {
  return line.compare(0, 6, "ATOM  ") == 0 || line.compare(0, 6, "HETATM") == 0;
}

// Residue number with insertion code ("209A") of an ATOM/HETATM line, and its chain.
inline std::string residue_number(const std::string& line) {
  std::string number = line.substr(22, 5);
  number.erase(std::remove(number.begin(), number.end(), ' '), number.end());
  return number;
}
inline char chain_of(const std::string& line) { return line[21]; }

// The residues of a chain that have a CA, in file order, by number: the order of the
// sequence of a file without SEQRES.
inline std::vector<std::string> numbers_with_ca(const std::string& text, char chain) {
  std::vector<std::string> numbers;
  for (const auto& line : lines_of(text)) {
    if (!is_atom_line(line) || chain_of(line) != chain || line.substr(12, 4) != " CA ") continue;
    const std::string number = residue_number(line);
    if (std::find(numbers.begin(), numbers.end(), number) == numbers.end()) numbers.push_back(number);
  }
  return numbers;
}

// Coordinates of one atom ("CA", "CB") of residue `number` of `chain`, from the text.
inline std::array<double, 3> coordinates_in_text(const std::string& text, char chain, const std::string& number,
                                                 const std::string& atom) {
  for (const auto& line : lines_of(text)) {
    if (!is_atom_line(line) || chain_of(line) != chain || residue_number(line) != number) continue;
    std::string name = line.substr(12, 4);
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    if (name == atom)
      return {std::stod(line.substr(30, 8)), std::stod(line.substr(38, 8)), std::stod(line.substr(46, 8))};
  }
  ADD_FAILURE() << "no atom " << atom << " in residue " << chain << " " << number;
  return {};
}

// A PDB ATOM/HETATM line, every field in its columns. `name` as the columns hold it (" CA ").
inline std::string atom_line(const char* record, int serial, const char* name, char altloc, const char* residue,
                             char chain, int number, double x, double y, double z, double occupancy,
                             const char* element) {
  char line[96];
  std::snprintf(line, sizeof line, "%-6s%5d %-4s%c%3s %c%4d    %8.3f%8.3f%8.3f%6.2f%6.2f          %2s", record, serial,
                name, altloc, residue, chain, number, x, y, z, occupancy, 20.0, element);
  return line;
}

// Where the residues with label value 1 are, by number.
inline std::vector<std::string> numbers_labelled(const corpus::Record& record, const std::string& label,
                                                 const std::vector<std::string>& numbers) {
  std::vector<std::string> labelled;
  const auto& values = record.labels.at(label);
  EXPECT_EQ(values.size(), numbers.size()) << record.id;
  for (std::size_t i = 0; i < values.size() && i < numbers.size(); ++i)
    if (values[i] == 1) labelled.push_back(numbers[i]);
  return labelled;
}

}  // namespace bertology::testing

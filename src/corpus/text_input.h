#pragma once
// Small pieces the text readers share: numbered lines, trimming, unique ids, residue checks.
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bertology/corpus/record.h"
#include "bertology/error.h"

namespace bertology::corpus::detail {

// Reads a text file one line at a time, numbering lines from 1 and dropping a trailing '\r'
// (files written on Windows).
class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path) {
    require(!std::filesystem::is_directory(path), "is a directory, not a file", {path});
    stream_.rdbuf()->pubsetbuf(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    stream_.open(path, std::ios::binary);
    require(stream_.is_open(), "cannot open file for reading", {path});
  }

  bool next() {
    if (!std::getline(stream_, line_)) {
      require(!stream_.bad(), "read error", {path_, "", number_ + 1});
      return false;
    }
    ++number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    return true;
  }

  const std::string& line() const { return line_; }
  long number() const { return number_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  std::ifstream stream_;
  std::string line_;
  long number_ = 0;
};

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

inline bool is_blank(std::string_view text) { return trim(text).empty(); }

// Splits on runs of spaces and tabs; no empty tokens.
inline std::vector<std::string_view> split_whitespace(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

inline std::size_t count_whitespace_tokens(std::string_view text) {
  std::size_t count = 0;
  bool in_token = false;
  for (char c : text) {
    bool space = is_space(c);
    if (!space && !in_token) ++count;
    in_token = !space;
  }
  return count;
}

// "data/CB513_HHblits.csv" → "CB513_HHblits"
inline std::string file_stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

// A character quoted for an error message; control bytes as hex so the message stays printable.
inline std::string quoted(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (std::isprint(byte)) return std::string("'") + c + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  return hex;
}

inline const char* residue_alphabet_hint() {
  return "residues are one-letter codes: the 20 standard amino acids or X U O B Z J";
}

// Byte → its upper-case residue letter, or 0 when the byte is not a residue letter in either
// case. A table, because readers of UniRef-sized FASTA spend their time here.
class ResidueTable {
 public:
  ResidueTable() {
    for (int c = 0; c < 256; ++c) {
      char upper = static_cast<char>(std::toupper(c));
      letter_[static_cast<std::size_t>(c)] = is_residue_letter(upper) ? upper : '\0';
    }
  }
  char operator()(char c) const { return letter_[static_cast<unsigned char>(c)]; }

 private:
  std::array<char, 256> letter_{};
};

inline const ResidueTable& residue_table() {
  static const ResidueTable table;
  return table;
}

// Appends the residue letters of `text` (upper-cased) to `sequence`. Returns the offset of the
// first character that is not a residue letter, or npos when all are.
inline std::size_t append_residues(std::string_view text, std::string& sequence) {
  const ResidueTable& residue = residue_table();
  const std::size_t start = sequence.size();
  sequence.resize(start + text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char letter = residue(text[i]);
    if (letter == '\0') {
      sequence.resize(start + i);
      return i;
    }
    sequence[start + i] = letter;
  }
  return std::string_view::npos;
}

// Record ids must be unique inside a file: the corpus addresses records by id.
class UniqueIds {
 public:
  explicit UniqueIds(std::string path) : path_(std::move(path)) {}

  void add(const std::string& id, long line) {
    auto [it, inserted] = first_line_.emplace(id, line);
    if (!inserted) {
      throw Error("duplicate record id (first seen at line " + std::to_string(it->second) + ")", {path_, id, line});
    }
  }

 private:
  std::string path_;
  std::unordered_map<std::string, long> first_line_;
};

}  // namespace bertology::corpus::detail

// The FASTA rules of readers.h (header '>' + id = first word; residues on any number of lines;
// lower case upper-cased; blanks, '\r' and a terminal '*' accepted), applied to a byte stream.
#include "bertology/corpus/fasta_stream.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "text_input.h"

namespace bertology::corpus {
namespace {
constexpr std::size_t kBufferBytes = 1 << 20;
}  // namespace

namespace {

enum class Compression { none, gzip, zstd };

Compression compression_of(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return Compression::none;
  unsigned char magic[4] = {0, 0, 0, 0};
  const std::size_t got = std::fread(magic, 1, 4, file);
  std::fclose(file);
  if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return Compression::gzip;
  if (got == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return Compression::zstd;
  return Compression::none;
}

}  // namespace

bool is_compressed_file(const std::string& path) { return compression_of(path) != Compression::none; }

// A plain file through stdio, a gzip file through zlib, or a zstd file through libzstd's
// streaming decoder over stdio.
struct FastaStream::Source {
  std::FILE* plain = nullptr;
  gzFile compressed = nullptr;
  ZSTD_DCtx* zstd = nullptr;
  std::vector<char> zstd_input;
  ZSTD_inBuffer zstd_in{nullptr, 0, 0};
  std::size_t zstd_frame_left = 0;  // what the decoder still expects of the current frame
  ~Source() {
    if (plain) std::fclose(plain);
    if (compressed) gzclose(compressed);
    if (zstd) ZSTD_freeDCtx(zstd);
  }
};

FastaStream::FastaStream(const std::string& path, std::int64_t begin, std::int64_t end)
    : path_(path), begin_(begin), end_(end), source_(new Source), buffer_(kBufferBytes, '\0') {
  require(!std::filesystem::is_directory(path), "is a directory, not a file", {path});
  const Compression compression = compression_of(path);
  require(begin == 0 || compression == Compression::none,
          "internal error: a compressed file cannot be read from an offset", {path});
  if (compression == Compression::gzip) {
    source_->compressed = gzopen(path.c_str(), "rb");
    require(source_->compressed != nullptr, "cannot open file for reading", {path});
    gzbuffer(source_->compressed, 1 << 18);
  } else if (compression == Compression::zstd) {
    source_->plain = std::fopen(path.c_str(), "rb");
    require(source_->plain != nullptr, "cannot open file for reading", {path});
    source_->zstd = ZSTD_createDCtx();
    require(source_->zstd != nullptr, "cannot start a zstd decoder", {path});
    source_->zstd_input.resize(ZSTD_DStreamInSize());
  } else {
    source_->plain = std::fopen(path.c_str(), "rb");
    require(source_->plain != nullptr, "cannot open file for reading", {path});
  }
  if (begin > 0) {
    // Start at the byte before the range: when it ends a line, the range starts with a line.
    require(fseeko(source_->plain, static_cast<off_t>(begin - 1), SEEK_SET) == 0, "cannot seek", {path});
    buffer_offset_ = begin - 1;
    skipping_ = true;
  }
}

FastaStream::~FastaStream() = default;

bool FastaStream::refill() {
  buffer_offset_ += static_cast<std::int64_t>(filled_);
  position_ = 0;
  if (source_->zstd) {
    filled_ = read_zstd();
  } else if (source_->plain) {
    filled_ = std::fread(buffer_.data(), 1, buffer_.size(), source_->plain);
    require(!std::ferror(source_->plain), "read error", {path_});
  } else {
    const int read = gzread(source_->compressed, buffer_.data(), static_cast<unsigned>(buffer_.size()));
    int code = Z_OK;
    const char* message = read < 0 ? gzerror(source_->compressed, &code) : "";
    require(read >= 0, std::string("gzip read error: ") + message, {path_});
    filled_ = static_cast<std::size_t>(read);
  }
  return filled_ > 0;
}

std::size_t FastaStream::read_zstd() {
  Source& source = *source_;
  ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
  while (out.pos == 0) {
    if (source.zstd_in.pos == source.zstd_in.size) {
      const std::size_t got = std::fread(source.zstd_input.data(), 1, source.zstd_input.size(), source.plain);
      require(!std::ferror(source.plain), "read error", {path_});
      if (got == 0) {
        // The end of the file must also be the end of a frame: otherwise it was cut short.
        require(source.zstd_frame_left == 0, "zstd stream ends in the middle of a frame (truncated?)", {path_});
        return 0;
      }
      source.zstd_in = ZSTD_inBuffer{source.zstd_input.data(), got, 0};
    }
    const std::size_t left = ZSTD_decompressStream(source.zstd, &out, &source.zstd_in);
    require(!ZSTD_isError(left), std::string("zstd: ") + ZSTD_getErrorName(left), {path_});
    source.zstd_frame_left = left;
  }
  return out.pos;
}

long FastaStream::absolute_line(long local_line) const {
  if (line_start_offset_ == 0 || local_line == 0) return local_line;
  // Only for messages: count the lines before the range once, when something is wrong.
  std::FILE* file = std::fopen(path_.c_str(), "rb");
  if (!file) return local_line;
  long lines = 0;
  std::vector<char> chunk(kBufferBytes);
  for (std::int64_t left = line_start_offset_; left > 0;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(left, chunk.size()));
    const std::size_t got = std::fread(chunk.data(), 1, want, file);
    if (got == 0) break;
    for (std::size_t k = 0; k < got; ++k) lines += chunk[k] == '\n';
    left -= static_cast<std::int64_t>(got);
  }
  std::fclose(file);
  return lines + local_line;
}

long FastaStream::header_line() const { return absolute_line(record_header_line_); }

void FastaStream::fail(const std::string& what, const std::string& record, long local_line) const {
  throw Error(what, {path_, record, absolute_line(local_line)});
}

void FastaStream::finish_record() {
  if (in_record_ && record_residues_ == 0) fail("empty sequence", id_, record_header_line_);
  in_record_ = false;
}

FastaStream::Event FastaStream::read_header() {
  finish_record();
  std::string line;
  for (;;) {
    const char* start = buffer_.data() + position_;
    const void* newline = std::memchr(start, '\n', filled_ - position_);
    if (newline) {
      const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
      line.append(start, length);
      position_ += length + 1;
      line_start_ = true;
      break;
    }
    line.append(start, filled_ - position_);
    position_ = filled_;
    if (!refill()) break;
  }
  std::string_view rest = detail::trim(std::string_view(line).substr(1));
  std::size_t length = 0;
  while (length < rest.size() && !detail::is_space(rest[length])) ++length;
  if (length == 0) fail("header line '>' without an id", "", line_);
  id_.assign(rest.substr(0, length));
  record_header_line_ = line_;
  in_record_ = true;
  seen_header_ = true;
  stop_line_ = 0;
  record_residues_ = 0;
  return Event::header;
}

FastaStream::Event FastaStream::next() {
  if (done_) return Event::done;
  const detail::ResidueTable& residue = detail::residue_table();
  for (;;) {
    if (position_ == filled_ && !refill()) {
      finish_record();
      if (begin_ == 0 && !seen_header_) fail("no FASTA records (empty file)", "", 0);
      done_ = true;
      return Event::done;
    }
    if (skipping_) {
      const char* start = buffer_.data() + position_;
      const void* newline = std::memchr(start, '\n', filled_ - position_);
      if (!newline) {
        position_ = filled_;
        continue;
      }
      position_ += static_cast<std::size_t>(static_cast<const char*>(newline) - start) + 1;
      skipping_ = false;
      line_start_ = true;
      line_start_offset_ = buffer_offset_ + static_cast<std::int64_t>(position_);
      continue;
    }
    if (line_start_) {
      line_start_ = false;
      ++line_;
      column_ = 0;
      if (buffer_[position_] == '>') {
        // A header at or past the end of the range starts the next reader's records.
        if (end_ >= 0 && buffer_offset_ + static_cast<std::int64_t>(position_) >= end_) {
          finish_record();
          done_ = true;
          return Event::done;
        }
        return read_header();
      }
    }
    if (!in_record_) {
      // Lines before this range's first header: the previous range's record, or (at the file
      // start) nothing but blanks.
      if (begin_ > 0) {
        const char* start = buffer_.data() + position_;
        const void* newline = std::memchr(start, '\n', filled_ - position_);
        position_ =
            newline ? position_ + static_cast<std::size_t>(static_cast<const char*>(newline) - start) + 1 : filled_;
        line_start_ = newline != nullptr;
        continue;
      }
      const char c = buffer_[position_++];
      if (c == '\n') {
        line_start_ = true;
      } else if (!detail::is_space(c)) {
        fail("sequence data before the first '>' header (is this a FASTA file?)", "", line_);
      }
      continue;
    }
    if (stop_line_ == 0) {
      const std::size_t start = position_;
      while (position_ < filled_) {
        const char letter = residue(buffer_[position_]);
        if (letter == '\0') break;
        buffer_[position_++] = letter;
      }
      if (position_ > start) {
        column_ += position_ - start;
        record_residues_ += static_cast<std::int64_t>(position_ - start);
        residues_ = std::string_view(buffer_.data() + start, position_ - start);
        return Event::residues;
      }
    }
    const char c = buffer_[position_++];
    ++column_;
    if (c == '\n') {
      line_start_ = true;
    } else if (detail::is_space(c)) {
      continue;
    } else if (stop_line_ != 0) {
      fail(detail::quoted(c) + " after the '*' (stop) of line " + std::to_string(absolute_line(stop_line_)) +
               "; '*' may only end a sequence",
           id_, line_);
    } else if (c != '*') {
      fail("character " + detail::quoted(c) + " at column " + std::to_string(column_) + " is not a residue letter (" +
               detail::residue_alphabet_hint() + ")",
           id_, line_);
    } else {
      stop_line_ = line_;
    }
  }
}

}  // namespace bertology::corpus

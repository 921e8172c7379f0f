#pragma once
// FASTA as a stream of events in bounded memory, whatever the length of a sequence line or the
// number of records: a UniRef-sized file is read in one pass through a 1 MiB buffer.
//
// Several readers share one plain file by byte ranges: the reader of [begin, end) yields the
// records whose header line starts in that range, each read to its end (past `end` when it
// crosses it). Compressed files (gzip or zstd, detected from their first bytes) are read whole
// by one reader.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace bertology::corpus {

// gzip or zstd, from the file's first bytes (not its name).
bool is_compressed_file(const std::string& path);

class FastaStream {
 public:
  enum class Event { header, residues, done };

  // end < 0: to the end of the file. begin > 0 needs a plain (not compressed) file.
  explicit FastaStream(const std::string& path, std::int64_t begin = 0, std::int64_t end = -1);
  ~FastaStream();
  FastaStream(const FastaStream&) = delete;
  FastaStream& operator=(const FastaStream&) = delete;

  // header: a record starts, id() is its id. residues: residues() is the next piece of its
  // sequence (upper case; valid until the next call). done: no more records in the range.
  // Malformed input throws bertology::Error naming the file, record and line.
  Event next();
  const std::string& id() const { return id_; }
  std::string_view residues() const { return residues_; }
  long header_line() const;  // line of the current record's header, counted from the file start

 private:
  struct Source;
  bool refill();
  std::size_t read_zstd();  // decompressed bytes into buffer_; 0 at the end of the file
  void finish_record();
  Event read_header();
  [[noreturn]] void fail(const std::string& what, const std::string& record, long local_line) const;
  long absolute_line(long local_line) const;

  std::string path_;
  std::int64_t begin_, end_;
  std::unique_ptr<Source> source_;
  std::string buffer_;
  std::size_t position_ = 0, filled_ = 0;
  std::int64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  bool line_start_ = true;
  bool skipping_ = false;  // before the first line start of a range that begins mid-file
  bool in_record_ = false;
  bool seen_header_ = false;
  bool done_ = false;
  long line_ = 0;  // lines started since the first line start of the range
  std::size_t column_ = 0;
  long record_header_line_ = 0;
  long stop_line_ = 0;  // line of a '*' in the current record, 0 = none
  std::int64_t record_residues_ = 0;
  std::int64_t line_start_offset_ = 0;  // file offset where line counting starts
  std::string id_;
  std::string_view residues_;
};

}  // namespace bertology::corpus

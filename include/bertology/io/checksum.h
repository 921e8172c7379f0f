#pragma once
// SHA-256 of files, for provenance (weights and corpus checksums in every result).
#include <cstdint>
#include <string>

namespace bertology::io {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::string hex_digest();  // finishes the hash; lower-case hex

 private:
  void compress(const unsigned char* block);
  std::uint32_t state_[8];
  unsigned char buffer_[64];
  std::uint64_t length_ = 0;  // bytes
  std::size_t buffered_ = 0;
};

// Streams the file; throws bertology::Error naming it when it cannot be read.
std::string sha256_file(const std::string& path);

// sha256_file, remembered in PATH.sha256 (sha256sum format plus a line with the file's size
// and modification time) when the folder is writable: a multi-GB checkpoint is hashed once, not
// at every run (about 4 s per GB here). A changed size or time means hashing again.
std::string sha256_file_cached(const std::string& path);

}  // namespace bertology::io

#pragma once
// SHA-256 (FIPS 180-4) of a file, so that results can name the exact weights they came from
// without a dependency on a crypto library.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace bertology::model {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::string hex_digest();  // finishes the hash; the object is spent afterwards

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> pending_{};
  std::size_t pending_size_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// Lower-case hex digest of the whole file; throws bertology::Error naming the file.
std::string sha256_file(const std::string& path);

}  // namespace bertology::model

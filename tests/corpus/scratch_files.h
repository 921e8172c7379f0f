#pragma once
// Writing malformed inputs to a private temporary directory, and catching the Error they raise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "bertology/error.h"

namespace bertology::testing {

class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("bertology_corpus_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string write(const std::string& name, const std::string& content) const {
    std::string file = (path_ / name).string();
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

// The Error `read` throws; a test failure (and an empty Error) when it throws none.
template <class Read>
Error error_from(Read&& read) {
  try {
    read();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "expected bertology::Error, none was thrown";
  return Error("no error");
}

inline bool contains(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

}  // namespace bertology::testing

// The message names the file and says what is wrong; the context carries file, record, line.
#define EXPECT_ERROR_AT(error, file_, record_, line_, fragment)                                          \
  do {                                                                                                   \
    const ::bertology::Error& e_ = (error);                                                              \
    EXPECT_EQ(e_.context().file, file_) << e_.what();                                                    \
    EXPECT_EQ(e_.context().record, record_) << e_.what();                                                \
    EXPECT_EQ(e_.context().line, line_) << e_.what();                                                    \
    EXPECT_TRUE(::bertology::testing::contains(                                                          \
        e_.what(), (line_) > 0 ? std::string(file_) + ":" + std::to_string(line_) : std::string(file_))) \
        << e_.what();                                                                                    \
    EXPECT_TRUE(::bertology::testing::contains(e_.what(), std::string(record_))) << e_.what();           \
    EXPECT_TRUE(::bertology::testing::contains(e_.what(), fragment))                                     \
        << "'" << e_.what() << "' lacks '" << (fragment) << "'";                                         \
  } while (0)

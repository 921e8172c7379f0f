#pragma once
// Where tests find their data. Shared data (../shared beside the checkout) may be absent on a
// user's machine: such tests print "skipped: ../shared/data absent" and pass as skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace bertology::testing {

inline std::string test_data(const std::string& relative) { return std::string(BERTOLOGY_TEST_DATA) + "/" + relative; }

inline std::string shared_data(const std::string& relative) {
  return std::string(BERTOLOGY_SHARED_DIR) + "/data/" + relative;
}

inline bool shared_data_present() { return std::filesystem::exists(std::string(BERTOLOGY_SHARED_DIR) + "/data"); }

}  // namespace bertology::testing

#define BERTOLOGY_REQUIRE_SHARED_DATA()                 \
  do {                                                  \
    if (!::bertology::testing::shared_data_present()) { \
      std::printf("skipped: ../shared/data absent\n");  \
      GTEST_SKIP() << "skipped: ../shared/data absent"; \
    }                                                   \
  } while (0)

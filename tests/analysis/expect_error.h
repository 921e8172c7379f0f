#pragma once
#include <gtest/gtest.h>

#include <string>

#include "bertology/error.h"

// Expects `statement` to throw bertology::Error whose message contains `fragment`.
#define EXPECT_ERROR_CONTAINING(statement, fragment)                                          \
  do {                                                                                        \
    try {                                                                                     \
      statement;                                                                              \
      ADD_FAILURE() << "expected bertology::Error containing \"" << (fragment) << "\"";       \
    } catch (const ::bertology::Error& error) {                                               \
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what(); \
    }                                                                                         \
  } while (0)

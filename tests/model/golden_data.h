#pragma once
// The goldens' expected.h5: per sequence the raw letters, the reference token ids and the
// reference attention maps [layer, head, query, key].
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model_test_support.h"

namespace bertology::testing {

struct GoldenSequence {
  std::string sequence;
  std::vector<std::int64_t> input_ids;
  std::vector<float> attentions;  // [layer, head, query, key]
  std::vector<hsize_t> attention_dims;
};

inline std::string string_attribute(hid_t group, const char* name) {
  const hid_t attribute = H5Aopen(group, name, H5P_DEFAULT);
  const hid_t type = H5Aget_type(attribute);
  char* text = nullptr;
  EXPECT_GE(H5Aread(attribute, type, &text), 0);
  std::string value = text ? text : "";
  const hid_t space = H5Aget_space(attribute);
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, &text);
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(attribute);
  return value;
}

template <typename T>
inline std::vector<T> dataset(hid_t group, const char* name, hid_t memory_type, std::vector<hsize_t>* dims = nullptr) {
  const hid_t set = H5Dopen2(group, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  std::vector<hsize_t> extents(std::size_t(H5Sget_simple_extent_ndims(space)));
  H5Sget_simple_extent_dims(space, extents.data(), nullptr);
  hsize_t count = 1;
  for (auto extent : extents) count *= extent;
  std::vector<T> values(count);
  EXPECT_GE(H5Dread(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Sclose(space);
  H5Dclose(set);
  if (dims) *dims = extents;
  return values;
}

inline std::vector<GoldenSequence> read_expected(const std::string& architecture) {
  const std::string path = golden_folder(architecture) + "/expected.h5";
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  std::vector<GoldenSequence> sequences;
  for (int k = 0;; ++k) {
    const std::string name = "seq_" + std::to_string(k);
    if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) break;
    const hid_t group = H5Gopen2(file, name.c_str(), H5P_DEFAULT);
    GoldenSequence sequence;
    sequence.sequence = string_attribute(group, "sequence");
    sequence.input_ids = dataset<std::int64_t>(group, "input_ids", H5T_NATIVE_INT64);
    sequence.attentions = dataset<float>(group, "attentions", H5T_NATIVE_FLOAT, &sequence.attention_dims);
    H5Gclose(group);
    sequences.push_back(std::move(sequence));
  }
  H5Fclose(file);
  return sequences;
}

}  // namespace bertology::testing

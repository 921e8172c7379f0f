#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bertology/error.h"
#include "bertology/io/hdf5.h"

namespace bertology::io {
namespace {

std::string scratch_path(const std::string& stem) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return ::testing::TempDir() + "/" + stem + "_" + std::to_string(getpid()) + "_rank" + std::to_string(rank) + ".h5";
}

TEST(Strings, AttributesAndDatasetsRoundTripFixedLength) {
  const std::string path = scratch_path("strings");
  // Longer than the 64 KiB an HDF5 object header message can hold.
  const std::string command_line = "bertology run " + std::string(300000, 'x');
  const std::vector<std::string> names{"contact", "", "aa_Ä", "binding_site"};
  {
    File file = File::create(path);
    write_attribute(file, "/", "command_line", command_line);
    write_attribute(file, "/", "empty", std::string());
    write_attribute(file, "/", "labels", names);
    write_attribute(file, "/", "none", std::vector<std::string>{});
    write_strings(file, "hosts", names);
    write_strings(file, "no_hosts", {});
    file.flush();
  }
  File file = File::open_read(path);
  EXPECT_EQ(read_string_attribute(file, "/", "command_line"), command_line);
  EXPECT_EQ(read_string_attribute(file, "/", "empty"), "");
  EXPECT_EQ(read_strings_attribute(file, "/", "labels"), names);
  EXPECT_TRUE(read_strings_attribute(file, "/", "none").empty());
  EXPECT_EQ(read_strings(file, "hosts"), names);
  EXPECT_EQ(read_string_rows(file, "hosts", {3, 0}), (std::vector<std::string>{"binding_site", "contact"}));
  EXPECT_TRUE(read_strings(file, "no_hosts").empty());
  std::remove(path.c_str());
}

// What h5py and older writers produce: variable-length strings, read through the global heap;
// `checksummed` chooses the HDF5 1.10 format bertology writes, or HDF5's default (the oldest).
void write_variable_length_strings(const std::string& path, bool checksummed) {
  hid_t access = H5Pcreate(H5P_FILE_ACCESS);
  if (checksummed) H5Pset_libver_bounds(access, H5F_LIBVER_V110, H5F_LIBVER_V110);
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
  H5Pclose(access);
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  hid_t scalar = H5Screate(H5S_SCALAR);
  const char* text = "prot_bert";
  hid_t attribute = H5Acreate2(file, "model", type, scalar, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attribute, type, &text);
  hsize_t rows = 1;
  hid_t space = H5Screate_simple(1, &rows, nullptr);
  hid_t dataset = H5Dcreate2(file, "ids", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text);
  H5Dclose(dataset);
  H5Sclose(space);
  H5Aclose(attribute);
  H5Sclose(scalar);
  H5Tclose(type);
  H5Fclose(file);
}

TEST(Strings, VariableLengthStringsAreRefusedWithoutBeingRead) {
  const std::string path = scratch_path("vlen_strings");
  write_variable_length_strings(path, true);
  File file = File::open_read(path);
  for (const auto& read :
       {+[](const File& f) { read_string_attribute(f, "/", "model"); }, +[](const File& f) { read_strings(f, "ids"); },
        +[](const File& f) { read_string_rows(f, "ids", {0}); }}) {
    try {
      read(file);
      ADD_FAILURE() << "a variable-length string was read";
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("variable-length"), std::string::npos) << message;
      EXPECT_NE(message.find(path), std::string::npos) << message;
    }
  }
  std::remove(path.c_str());
}

TEST(HdfFormat, FilesWithoutMetadataChecksumsAreRefusedAtOpen) {
  const std::string path = scratch_path("old_format");
  write_variable_length_strings(path, false);
  try {
    File::open_read(path);
    ADD_FAILURE() << "a file in the unchecksummed format was opened";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("superblock version 0"), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
  }
  std::remove(path.c_str());
}

// A byte changed inside an object header fails its checksum: the error says so, in HDF5's words.
TEST(HdfFormat, ADamagedHeaderIsRefusedWithHdf5sReason) {
  const std::string path = scratch_path("damaged");
  {
    File file = File::create(path);
    write_attribute(file, "/", "marker_attribute", std::string("intact"));
    file.flush();
  }
  std::fstream bytes(path, std::ios::in | std::ios::out | std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(bytes)), std::istreambuf_iterator<char>());
  const auto at = content.find("marker_attribute");
  ASSERT_NE(at, std::string::npos);
  bytes.seekp(static_cast<std::streamoff>(at));
  bytes.put('M');
  bytes.close();
  try {
    File file = File::open_read(path);
    read_string_attribute(file, "/", "marker_attribute");
    ADD_FAILURE() << "a damaged header was read";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("checksum"), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace bertology::io

# Finds every dependency. The Debian-specific fixes are behind checks, so the same code
# builds against Spack's or a site's Kokkos (CUDA/HIP) and a CUDA LibTorch.

find_package(MPI REQUIRED COMPONENTS C)
# We use the C API from C++: keep mpi.h from pulling in the removed C++ bindings, which would
# need libmpi_cxx at link time.
set_property(TARGET MPI::MPI_C APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS OMPI_SKIP_MPICXX MPICH_SKIP_MPICXX)

# Parallel HDF5 (C API). Debian installs serial and MPI flavours side by side.
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "bertology needs a parallel (MPI) HDF5; found a serial one at ${HDF5_INCLUDE_DIRS}. "
                      "On Debian: apt-get install libhdf5-openmpi-dev")
endif()
if(NOT TARGET hdf5::hdf5)
  add_library(hdf5::hdf5 INTERFACE IMPORTED)
  target_include_directories(hdf5::hdf5 INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(hdf5::hdf5 INTERFACE ${HDF5_LIBRARIES})
  target_compile_definitions(hdf5::hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

find_package(Boost 1.71 REQUIRED COMPONENTS program_options)

find_package(Kokkos REQUIRED)
# Debian's Trilinos-built Kokkos exports an include directory (<prefix>/include) that does
# not hold the headers; the real one is Kokkos_INCLUDE_DIRS (…/include/trilinos).
if(Kokkos_INCLUDE_DIRS)
  get_target_property(_kokkos_includes Kokkos::kokkos INTERFACE_INCLUDE_DIRECTORIES)
  set(_kokkos_has_core FALSE)
  foreach(_dir IN LISTS _kokkos_includes)
    if(EXISTS "${_dir}/Kokkos_Core.hpp")
      set(_kokkos_has_core TRUE)
    endif()
  endforeach()
  if(NOT _kokkos_has_core)
    set(_kokkos_real_includes "")
    foreach(_dir IN LISTS Kokkos_INCLUDE_DIRS)
      file(REAL_PATH "${_dir}" _real)
      list(APPEND _kokkos_real_includes "${_real}")
    endforeach()
    set_target_properties(Kokkos::kokkos PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_kokkos_real_includes}")
    message(STATUS "Kokkos: include directory set to ${_kokkos_real_includes}")
  endif()
endif()

if(Kokkos_DEVICES)
  message(STATUS "Kokkos backends: ${Kokkos_DEVICES}")
endif()

find_package(Torch REQUIRED)
find_package(nlohmann_json 3.9 REQUIRED)

# gemmi is header-only in Debian's gemmi-dev (no CMake config before 0.6).
find_package(gemmi CONFIG QUIET)
if(NOT TARGET gemmi::headers)
  find_path(GEMMI_INCLUDE_DIR gemmi/mmread.hpp REQUIRED)
  add_library(gemmi::headers INTERFACE IMPORTED)
  target_include_directories(gemmi::headers INTERFACE "${GEMMI_INCLUDE_DIR}")
  # gemmi's mmCIF parser includes PEGTL, which Debian's gemmi-dev does not depend on.
  find_path(PEGTL_INCLUDE_DIR tao/pegtl.hpp)
  if(NOT PEGTL_INCLUDE_DIR)
    message(FATAL_ERROR "gemmi needs PEGTL (tao/pegtl.hpp); on Debian: apt-get install tao-pegtl-dev")
  endif()
  target_include_directories(gemmi::headers INTERFACE "${PEGTL_INCLUDE_DIR}")
endif()

find_package(ZLIB REQUIRED)  # gemmi reads gzipped structures through zlib, and FASTA .gz
# FASTA .zst is streamed through libzstd (Debian libzstd-dev).
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET GLOBAL libzstd)

if(BERTOLOGY_ENABLE_TESTS)
  find_package(GTest REQUIRED)
  find_program(BERTOLOGY_PYTHON3 python3)
endif()

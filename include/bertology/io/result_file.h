#pragma once
// result.h5: the public output of `bertology run`.
//   /thresholds                 float64 [nθ]
//   /counts/above_threshold     int64 [L, H, nθ]   entries with α > θ (the denominator)
//   /counts/<label>             int64 [L, H, nθ]
//   /proportions/<label>        float64 [L, H, nθ] (NaN where nothing is above θ)
//   /background/<label>         float64 scalar, attributes positives, eligible
//   root attributes             provenance (strings and integers)
#include <mpi.h>

#include <string>

#include "bertology/io/result_data.h"

namespace bertology::io {

// Collective when comm != MPI_COMM_NULL: every rank passes the same data; rank 0 of comm
// transfers the arrays through the MPI-IO driver. The file is written under a hidden
// temporary name in the same directory and renamed into place only when complete.
void write_result(const std::string& path, const ResultData& data, MPI_Comm comm = MPI_COMM_NULL);

ResultData read_result(const std::string& path);

// The temporary name write_result uses for `path` (hidden, so `path*` globs never match it).
std::string partial_path(const std::string& path);

}  // namespace bertology::io

#pragma once
// result.h5: the public output of `bertology run`.
//   /thresholds                 float64 [nθ]
//   /counts/above_threshold     int64 [L, H, nθ]   entries with α > θ (the denominator)
//   /counts/<label>             int64 [L, H, nθ]
//   /proportions/<label>        float64 [L, H, nθ] (NaN where nothing is above θ)
//   /background/<label>         float64 scalar, attributes positives, eligible
//   /groups/counts/<label>      int64 [G, L, H, nθ] per group of blocks (run --groups G)
//   /groups/sequences           int64 [G]
//   /groups/background/<label>  int64 [G, 2] positives, eligible
//   /blocks/seconds             float64 [blocks] measured time of each block
//   /ranks/{hostname, device}   string [ranks]; /ranks/{busy_seconds, blocks} [ranks]
//   root attributes             provenance (strings and integers), identical whatever the rank
#include <mpi.h>

#include <functional>
#include <string>

#include "bertology/io/hdf5.h"
#include "bertology/io/result_data.h"

namespace bertology::io {

// Rank 0 of comm (or the caller, without a communicator) writes the file alone, through the
// serial driver: a result is small, and no collective file handle is then open while one rank
// could fail alone (a collective close would hang the others instead of letting the job
// abort). The other ranks wait for it. The file is written under a hidden temporary name in
// the same directory and renamed into place only when complete.
void write_result(const std::string& path, const ResultData& data, MPI_Comm comm = MPI_COMM_NULL);

ResultData read_result(const std::string& path);

// The temporary name write_result uses for `path` (hidden, so `path*` globs never match it).
std::string partial_path(const std::string& path);

// Writes an HDF5 file under partial_path(path) with `write` and renames it into place; on any
// failure the temporary is removed and the error passed on, so no output is half-written.
// A temporary left by a process that was killed is removed first (nothing else writes there).
void write_atomically(const std::string& path, const std::function<void(const File&)>& write);

}  // namespace bertology::io

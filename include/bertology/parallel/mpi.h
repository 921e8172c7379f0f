#pragma once
// The MPI pieces the pipeline needs, over MPI_COMM_WORLD by default.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bertology::parallel {

// MPI_Init / MPI_Finalize for the process (one per main).
class Environment {
 public:
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
};

class Communicator {
 public:
  explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {}
  MPI_Comm get() const { return comm_; }
  int rank() const;
  int size() const;
  bool root() const { return rank() == 0; }
  // Rank among the processes on the same node (MPI_Comm_split_type SHARED): decides the GPU.
  int node_local_rank() const;
  void barrier() const;

  void broadcast(std::vector<std::int64_t>& values, int root = 0) const;
  void broadcast(std::string& value, int root = 0) const;
  // In-place elementwise sum over all ranks; integers, so the result is exact whatever the order.
  void sum(std::vector<std::int64_t>& values) const;
  void sum(std::vector<double>& values) const;
  double max(double value) const;
  // Every rank's values concatenated in rank order, on every rank.
  std::vector<double> all_gather(const std::vector<double>& values) const;
  double sum(double value) const;
  // Gathers one string per rank on root (others get an empty vector).
  std::vector<std::string> gather(const std::string& value, int root = 0) const;

 private:
  MPI_Comm comm_;
};

// Ends the whole job after an error on one rank, so that the other ranks do not hang in a
// collective call waiting for it.
[[noreturn]] void abort_job(int exit_code);

std::string hostname();

}  // namespace bertology::parallel

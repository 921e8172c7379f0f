#include "bertology/parallel/mpi.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace bertology::parallel {

Environment::Environment(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
}

Environment::~Environment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

int Communicator::rank() const {
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  return rank;
}

int Communicator::size() const {
  int size = 1;
  MPI_Comm_size(comm_, &size);
  return size;
}

int Communicator::node_local_rank() const {
  MPI_Comm node;
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank(), MPI_INFO_NULL, &node);
  int local = 0;
  MPI_Comm_rank(node, &local);
  MPI_Comm_free(&node);
  return local;
}

void Communicator::barrier() const { MPI_Barrier(comm_); }

void Communicator::broadcast(std::vector<std::int64_t>& values, int root) const {
  std::int64_t n = static_cast<std::int64_t>(values.size());
  MPI_Bcast(&n, 1, MPI_INT64_T, root, comm_);
  values.resize(static_cast<std::size_t>(n));
  // Chunks below INT_MAX elements: MPI counts are int.
  for (std::int64_t begin = 0; begin < n; begin += INT_MAX / 2) {
    const int count = static_cast<int>(std::min<std::int64_t>(INT_MAX / 2, n - begin));
    MPI_Bcast(values.data() + begin, count, MPI_INT64_T, root, comm_);
  }
}

void Communicator::broadcast(std::string& value, int root) const {
  std::int64_t n = static_cast<std::int64_t>(value.size());
  MPI_Bcast(&n, 1, MPI_INT64_T, root, comm_);
  value.resize(static_cast<std::size_t>(n));
  MPI_Bcast(value.data(), static_cast<int>(n), MPI_CHAR, root, comm_);
}

void Communicator::sum(std::vector<std::int64_t>& values) const {
  for (std::size_t begin = 0; begin < values.size(); begin += INT_MAX / 2) {
    const int count = static_cast<int>(std::min<std::size_t>(INT_MAX / 2, values.size() - begin));
    MPI_Allreduce(MPI_IN_PLACE, values.data() + begin, count, MPI_INT64_T, MPI_SUM, comm_);
  }
}

void Communicator::sum(std::vector<double>& values) const {
  for (std::size_t begin = 0; begin < values.size(); begin += INT_MAX / 2) {
    const int count = static_cast<int>(std::min<std::size_t>(INT_MAX / 2, values.size() - begin));
    MPI_Allreduce(MPI_IN_PLACE, values.data() + begin, count, MPI_DOUBLE, MPI_SUM, comm_);
  }
}

std::vector<double> Communicator::all_gather(const std::vector<double>& values) const {
  const int count = static_cast<int>(values.size());
  std::vector<int> counts(static_cast<std::size_t>(size()));
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_);
  std::vector<int> displacements(counts.size(), 0);
  for (std::size_t r = 1; r < counts.size(); ++r) displacements[r] = displacements[r - 1] + counts[r - 1];
  std::vector<double> all(static_cast<std::size_t>(displacements.back() + counts.back()));
  MPI_Allgatherv(values.data(), count, MPI_DOUBLE, all.data(), counts.data(), displacements.data(), MPI_DOUBLE,
                 comm_);
  return all;
}

double Communicator::max(double value) const {
  double result = value;
  MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, comm_);
  return result;
}

double Communicator::sum(double value) const {
  double result = value;
  MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_SUM, comm_);
  return result;
}

std::vector<std::string> Communicator::gather(const std::string& value, int root) const {
  int length = static_cast<int>(value.size());
  std::vector<int> lengths(rank() == root ? size() : 0);
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, root, comm_);
  std::vector<int> displacements(lengths.size(), 0);
  int total = 0;
  for (std::size_t r = 0; r < lengths.size(); ++r) {
    displacements[r] = total;
    total += lengths[r];
  }
  std::string joined(static_cast<std::size_t>(total), '\0');
  MPI_Gatherv(value.data(), length, MPI_CHAR, joined.data(), lengths.data(), displacements.data(), MPI_CHAR, root,
              comm_);
  std::vector<std::string> values;
  for (std::size_t r = 0; r < lengths.size(); ++r) values.push_back(joined.substr(displacements[r], lengths[r]));
  return values;
}

void abort_job(int exit_code) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  int size = 1;
  if (initialized && !finalized) MPI_Comm_size(MPI_COMM_WORLD, &size);
  // A single process exits normally (so files close and the exit code is ours); with
  // several ranks, MPI_Abort is the only way to stop peers blocked in a collective.
  if (initialized && !finalized && size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  if (initialized && !finalized) MPI_Finalize();
  std::exit(exit_code);
}

std::string hostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

}  // namespace bertology::parallel

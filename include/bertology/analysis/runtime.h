#pragma once
// Kokkos is initialised once per process, by main, through this scope guard.
namespace bertology::analysis {

class KokkosScope {
 public:
  KokkosScope(int& argc, char** argv);
  ~KokkosScope();
  KokkosScope(const KokkosScope&) = delete;
  KokkosScope& operator=(const KokkosScope&) = delete;
};

}  // namespace bertology::analysis

#!/usr/bin/env bash
# The whole check, as CI runs it (after env/setup-debian.sh):
#  1. the release build and its test suite (unit, MPI at 1/2/3 ranks, goldens, acceptance,
#     command line, faults, SLURM, HTML);
#  2. the sanitize preset (Clang, AddressSanitizer + UBSan): the modules that do not link
#     LibTorch and their tests;
#  3. every fuzz target for FUZZ_SECONDS (default 10) on its seeds and regressions.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release && cmake --build --preset release && ctest --preset release
cmake --preset sanitize && cmake --build --preset sanitize && ctest --preset sanitize
bash tests/fuzz/run_fuzzers.sh build/sanitize "${FUZZ_SECONDS:-10}"

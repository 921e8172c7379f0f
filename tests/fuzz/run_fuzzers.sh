#!/usr/bin/env bash
# Runs every libFuzzer target of BUILD_DIR (configured as tests/fuzz/README.md says) for a
# bounded time each, one process at a time, on a scratch copy of its seeds and regressions.
# Prints per target the executions, the corpus size at the end and any crash, and copies every
# crash, timeout, out-of-memory or leak input into tests/fuzz/regressions/<target>/ (commit it
# with its fix). Exit status: 0 nothing found, 1 a finding or a target that did not run.
#
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for source in "$here"/targets/*.cpp; do targets+=("$(basename "$source" .cpp)"); done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bertology-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
printf '%-12s %10s %8s %6s  %s\n' target executions corpus sec finding
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/fuzz_$target"
  if [ ! -x "$binary" ]; then
    printf '%-12s %s\n' "$target" "missing: $binary (ninja -C $build fuzzers)"
    status=1
    continue
  fi
  corpus="$work/$target/corpus"
  artifacts="$work/$target/artifacts"
  mkdir -p "$corpus" "$artifacts"
  for dir in "$here/seeds/$target" "$here/regressions/$target"; do
    [ -d "$dir" ] && find "$dir" -type f ! -name '.*' -exec cp {} "$corpus/" \;
  done
  extra=()
  asan="detect_leaks=1"
  # libhdf5 (not instrumented) leaks object-header cache entries when it fails on a malformed
  # file (H5O_protect under H5Lexists), and asks malloc for absurd sizes read from one (H5C_protect),
  # checking for the NULL it gets outside ASan: neither is a finding for the HDF5 readers, so
  # leaks are off and malloc may return NULL for these two targets only.
  case "$target" in
    corpus_h5 | result_h5) extra=(-detect_leaks=0) asan="detect_leaks=0:allocator_may_return_null=1" ;;
  esac
  log="$work/$target/log"
  start=$(date +%s)
  (cd "$work/$target" && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$asan" "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" ${extra[@]+"${extra[@]}"} "$corpus" >"$log" 2>&1)
  rc=$?
  elapsed=$(($(date +%s) - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  size=$(find "$corpus" -type f | wc -l)
  finding=""
  for file in "$artifacts"/*; do
    [ -f "$file" ] || continue
    mkdir -p "$here/regressions/$target"
    cp "$file" "$here/regressions/$target/"
    finding="$finding $(basename "$file")"
  done
  if [ $rc -ne 0 ] || [ -n "$finding" ]; then
    status=1
    printf '%-12s %10s %8s %6s  rc=%s%s -> tests/fuzz/regressions/%s/\n' "$target" "${runs:-?}" "$size" "$elapsed" \
      "$rc" "$finding" "$target"
    grep -m 1 -A 12 'ERROR: \|runtime error:\|==ERROR\|deadly signal\|Timeout' "$log" | sed 's/^/    /'
  else
    printf '%-12s %10s %8s %6s  none\n' "$target" "${runs:-?}" "$size" "$elapsed"
  fi
done
exit $status

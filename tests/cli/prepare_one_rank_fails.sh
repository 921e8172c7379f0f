#!/usr/bin/env bash
# A malformed record that only one rank reads (the second rank's share of a FASTA file, or a
# file of its own) ends the whole `prepare` job within 10 s, with that rank's message naming
# the file, a non-zero exit and no output or partial file left. At 2 and 3 ranks.
set -u
BIN=$1
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; cd "$W" || exit 1
pass=0 fail=0

# 4000 good records, then one with a digit near the end: at 2 and 3 ranks, the byte ranges put
# it in the last rank's share only.
{
  for i in $(seq 1 4000); do printf '>good%d\nMKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ\n' "$i"; done
  printf '>bad\nMKTAY1AKQR\n'
  for i in $(seq 1 50); do printf '>tail%d\nMKTAYIAKQR\n' "$i"; done
} > split.fasta
# The same as two files, the bad one sorting second.
head -n 8000 split.fasta > a_good.fasta
tail -n +8001 split.fasta > b_bad.fasta

check() {
  local name=$1 np=$2 output=$3; shift 3
  local start=$SECONDS
  timeout 60 "${MPIRUN[@]}" -np "$np" "$BIN" prepare --quiet "$@" -o "$output" >log 2>&1
  local rc=$? took=$((SECONDS - start)) why=""
  [ $rc -eq 0 ] && why="exit 0"
  [ $rc -eq 124 ] && why="hang (timeout)"
  [ $took -gt 10 ] && why="$why; took ${took}s (limit 10 s)"
  grep -qF -- "${MENTION}" log || why="$why; message does not name '${MENTION}'"
  ls -a | grep -qF "$output" && why="$why; output or partial file left"
  if [ -z "$why" ]; then echo "PASS $name at $np ranks (${took}s)"; pass=$((pass + 1));
  else echo "FAIL $name at $np ranks: $why"; sed 's/^/    /' log | tail -5; fail=$((fail + 1)); fi
}

for np in 2 3; do
  MENTION="split.fasta:8002 record bad"
  check "bad record in the last rank's share of one FASTA file" "$np" "out_split_$np.h5" split.fasta
  MENTION="b_bad.fasta"
  check "bad record in the second of two FASTA files" "$np" "out_two_$np.h5" a_good.fasta b_bad.fasta
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

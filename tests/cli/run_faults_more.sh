#!/usr/bin/env bash
# `run` under failure, beyond run_faults.sh, with an EXISTING result at the output path that
# every failing run (with --force) must leave byte-identical:
#  - an injected fault at every stage on the last of 2 ranks (at the new and the late stages
#    of 3), and a SIGKILL of the last rank inside the forward;
#  - the output's directory removed while the ranks work;
#  - the model's weights file written over, or truncated, while the ranks work;
#  - a full disk: a file-size limit (ulimit -f) on the ranks, and a small tmpfs when this
#    user may mount one (root).
# Each ends within 10 s with a non-zero exit, the failing rank's message and no output or
# hidden temporary (.NAME.partial) left; BERTOLOGY_FAULT_SECONDS (as in run_faults.sh) replaces
# the 10 s where the binary is slower (the sanitize-all test preset: 30).
# Usage: run_faults_more.sh BERTOLOGY DATA_DIR (DATA_DIR holds golden/prot_bert)
set -u
BIN=$1 DATA=$2
FAULT_SECONDS=${BERTOLOGY_FAULT_SECONDS:-10}
MODEL="$DATA/golden/prot_bert"
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
W=$(mktemp -d)
cleanup() {
  mountpoint -q "$W/small" 2>/dev/null && umount "$W/small"
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; [ -f log ] && sed 's/^/    /' log | grep -v '^    *$' | tail -8; fail=$((fail + 1)); }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# 40 random proteins in blocks of 4, and the small golden model: a run takes a few seconds.
/usr/bin/python3 - <<'PY'
import random
random.seed(7)
letters = 'ACDEFGHIKLMNPQRSTVY'
with open('corpus.fasta', 'w') as f:
    for i in range(40):
        f.write(f'>p{i}\n' + ''.join(random.choice(letters) for _ in range(random.randint(20, 120))) + '\n')
PY
"$BIN" prepare --quiet --block-size 4 corpus.fasta -o corpus.h5 || { echo "FAIL prepare"; exit 1; }
RUN=(run --model "$MODEL" --corpus corpus.h5 --properties aa --thresholds 0.1,0.3 --threads 1 --quiet)
"${MPIRUN[@]}" -np 2 "$BIN" "${RUN[@]}" -o previous.h5 >log 2>&1 || { ko "the previous result"; exit 1; }

# check NAME RC BEGIN OUTPUT PREVIOUS MENTION...: the verdict on a run that must fail.
# PREVIOUS is the file OUTPUT must still equal, or "" when OUTPUT must not exist.
check() {
  local name=$1 rc=$2 begin=$3 output=$4 previous=$5 took why="" mention
  shift 5
  took=$(elapsed "$begin" "$(now)")
  [ "$rc" -eq 0 ] && why="exit 0"
  [ "$rc" -eq 124 ] && why="hang (timeout)"
  awk -v t="$took" -v limit="$FAULT_SECONDS" 'BEGIN { exit !(t > limit) }' && why="$why; took ${took}s"
  for mention in "$@"; do grep -qF -- "$mention" log || why="$why; message does not name '$mention'"; done
  if [ -n "$previous" ]; then
    cmp -s "$output" "$previous" || why="$why; the previous result at $output changed"
  elif [ -e "$output" ]; then
    why="$why; output $output left"
  fi
  local partial
  partial="$(dirname "$output")/.$(basename "$output").partial"
  [ -e "$partial" ] && why="$why; temporary $partial left"
  if [ -z "$why" ]; then ok "$name (exit $rc after ${took}s)"; else ko "$name: $why"; fi
}

# inject NAME RANKS FAULT PREVIOUS(yes|no) MENTION...: a run of RANKS ranks with
# BERTOLOGY_FAULT=FAULT, onto result.h5 (a copy of previous.h5 when PREVIOUS is yes).
inject() {
  local name=$1 ranks=$2 fault=$3 previous=$4 begin rc
  shift 4
  rm -rf result.h5 .result.h5.partial result.h5.checkpoint
  [ "$previous" = yes ] && cp previous.h5 result.h5
  begin=$(now)
  BERTOLOGY_FAULT=$fault timeout 60 "${MPIRUN[@]}" -np "$ranks" "$BIN" "${RUN[@]}" --checkpoint-interval 0.001 \
    --force -o result.h5 >log 2>&1
  rc=$?
  check "$name" $rc "$begin" result.h5 "$([ "$previous" = yes ] && echo previous.h5)" "$@"
}

# Every stage at 2 ranks, the new ones and the late ones at 3 (run_faults.sh has every stage at
# both, onto a fresh path).
for stage in load plan read forward tokenize analysis checkpoint reduce write; do
  inject "rank 1 of 2 fails at $stage, previous result kept" 2 "$stage@1" yes \
    "error on rank 1" "injected fault (BERTOLOGY_FAULT=$stage@1)"
done
for stage in tokenize analysis reduce write; do
  inject "rank 2 of 3 fails at $stage, previous result kept" 3 "$stage@2" yes \
    "error on rank 2" "injected fault (BERTOLOGY_FAULT=$stage@2)"
done
for ranks in 2 3; do
  inject "rank $((ranks - 1)) of $ranks killed (SIGKILL) in the forward, previous result kept" "$ranks" \
    "analysis@$((ranks - 1)):kill" yes "rank $((ranks - 1))" "signal 9"
done

# The output's directory removed while the ranks work (the checkpoints elsewhere, so that no
# save re-creates it): the write fails, naming the path.
rm -rf gone ckpt && mkdir gone
begin=$(now)
BERTOLOGY_BLOCK_DELAY=0.2 timeout 60 "${MPIRUN[@]}" -np 2 "$BIN" "${RUN[@]}" --checkpoint-dir ckpt \
  --checkpoint-interval 0.001 -o gone/result.h5 >log 2>&1 &
job=$!
for _ in $(seq 200); do
  ls ckpt 2>/dev/null | grep -q 'rank-00001.h5$' && break
  sleep 0.05
done
rm -rf gone
wait $job
check "output directory removed during the run (2 ranks)" $? "$begin" gone/result.h5 "" "gone/.result.h5.partial"

# The same with the default checkpoint directory (inside the removed one): the next save
# re-creates the directory, and the run either fails naming it or completes its result there.
rm -rf gone && mkdir gone
begin=$(now)
BERTOLOGY_BLOCK_DELAY=0.2 timeout 60 "${MPIRUN[@]}" -np 2 "$BIN" "${RUN[@]}" --checkpoint-interval 0.001 \
  -o gone/result.h5 >log 2>&1 &
job=$!
for _ in $(seq 200); do
  ls gone/result.h5.checkpoint 2>/dev/null | grep -q 'rank-00001.h5$' && break
  sleep 0.05
done
rm -rf gone
wait $job
rc=$?
took=$(elapsed "$begin" "$(now)")
if [ $rc -eq 0 ] && "$BIN" info gone/result.h5 >/dev/null 2>&1 && [ ! -e gone/.result.h5.partial ]; then
  ok "output directory with its checkpoints removed during the run: re-created, complete result (${took}s)"
else
  check "output directory with its checkpoints removed during the run (2 ranks)" $rc "$begin" gone/result.h5 "" \
    "gone/"
fi

# The weights are mapped and read in place: a weights file written over while the ranks work is
# noticed at the next checkpoint or at the end ("changed in place"), and one truncated faults
# the next read with SIGBUS, which the rank explains before it dies of it. (Checkpoints every
# 0.5 s there, so that the forward 0.2 s after the first one reads the truncated file first.)
for change in append truncate; do
  rm -rf wmodel ckpt result.h5.checkpoint .result.h5.partial && cp -r "$MODEL" wmodel && cp previous.h5 result.h5
  begin=$(now)
  interval=$([ $change = append ] && echo 0.001 || echo 0.5)
  BERTOLOGY_BLOCK_DELAY=0.2 timeout 60 "${MPIRUN[@]}" -np 2 "$BIN" "${RUN[@]/#$MODEL/$PWD/wmodel}" \
    --checkpoint-dir ckpt --checkpoint-interval $interval --force -o result.h5 >log 2>&1 &
  job=$!
  for _ in $(seq 200); do
    ls ckpt 2>/dev/null | grep -q 'rank-00001.h5$' && break
    sleep 0.05
  done
  if [ $change = append ]; then
    printf 'x' >>wmodel/model.safetensors
    wait $job
    check "weights file written over during the run (2 ranks), previous result kept" $? "$begin" result.h5 \
      previous.h5 "changed in place" "wmodel/model.safetensors"
  else
    : >wmodel/model.safetensors
    wait $job
    check "weights file truncated during the run (2 ranks): SIGBUS explained, previous result kept" $? "$begin" \
      result.h5 previous.h5 "bus error (SIGBUS)" "weights file truncated"
  fi
done

# A file-size limit on the ranks (mpirun itself fails under one: its PMIx store is a file),
# below the result's size: rank 0's write fails with EFBIG, naming the file.
for ranks in 1 2; do
  rm -rf result.h5.checkpoint .result.h5.partial && cp previous.h5 result.h5
  begin=$(now)
  timeout 60 "${MPIRUN[@]}" --mca btl self,tcp -np $ranks bash -c 'ulimit -f 8 && exec "$0" "$@"' "$BIN" \
    "${RUN[@]}" --force -o result.h5 >log 2>&1
  check "file-size limit (ulimit -f 8) below the result's size ($ranks rank(s)), previous result kept" $? \
    "$begin" result.h5 previous.h5 ".result.h5.partial" "File too large"
done

# A full tmpfs: the previous result and a filler leave 16 KiB, too little for the result.
mkdir small
if mount -t tmpfs -o size=512k tmpfs small 2>/dev/null; then
  cp previous.h5 small/result.h5
  dd if=/dev/zero of=small/filler bs=4k >/dev/null 2>&1
  truncate -s -16K small/filler
  for ranks in 2; do
    rm -f small/.result.h5.partial
    begin=$(now)
    timeout 60 "${MPIRUN[@]}" -np $ranks "$BIN" "${RUN[@]}" --force -o small/result.h5 >log 2>&1
    check "full tmpfs ($ranks rank(s)), previous result kept" $? "$begin" small/result.h5 previous.h5 \
      ".result.h5.partial" "No space left on device"
  done
  umount small
else
  echo "SKIP full tmpfs: this user may not mount one"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# `run` under failure, interruption and resume, as a user meets them under mpirun:
#  - one rank failing (a real tokenizer error, and injected faults at every stage, on ONE rank
#    of 2 or 3) ends the whole job within seconds with that rank's message and no output;
#  - SIGTERM, SIGUSR1, kill -9 of one rank and kill -9 of the whole job, each followed by
#    `run --resume` at another number of ranks, give counts identical to an uninterrupted run.
# Usage: run_faults.sh BERTOLOGY DATA_DIR (DATA_DIR holds golden/prot_bert)
# BERTOLOGY_FAULT_SECONDS (default 10): the most a failing job may take, start to exit. The
# sanitize-all test preset raises it: under ASan a 3-rank job runs 3x slower (8 s instead of
# 2.5 s for the whole run) before the fault at the reduction is even reached.
set -u
BIN=$1 DATA=$2
FAULT_SECONDS=${BERTOLOGY_FAULT_SECONDS:-10}
MODEL="$DATA/golden/prot_bert"
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
PY=/usr/bin/python3
W=$(mktemp -d); trap 'pkill -KILL -f "$W" 2>/dev/null; rm -rf "$W"' EXIT; cd "$W" || exit 1
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; [ -f log ] && sed 's/^/    /' log | tail -6; fail=$((fail + 1)); }

# A corpus of 600 random proteins (one with W, the longest) in blocks of 4 records, a seeded
# model big enough for the run to last a few seconds, and a model folder whose vocabulary
# lacks W (same size, so the model still loads).
$PY - <<'PY'
import random
random.seed(5)
letters = 'ACDEFGHIKLMNPQRSTVY'
with open('corpus.fasta', 'w') as f:
    for i in range(600):
        n = random.randint(20, 120)
        s = ''.join(random.choice(letters) for _ in range(n))
        if i == 17: s = 'W' + ''.join(random.choice(letters) for _ in range(125))
        f.write(f'>p{i}\n{s}\n')
PY
"$BIN" prepare --quiet --block-size 4 corpus.fasta -o corpus.h5 || { echo "FAIL prepare"; exit 1; }
mkdir no_w && cp "$MODEL"/* no_w/ && sed -i 's/^W$/[NOT_W]/' no_w/vocab.txt
mkdir no_vocab && cp "$MODEL"/* no_vocab/ && rm no_vocab/vocab.txt
"$BIN" make-model --arch prot_bert --layers 4 --heads 4 --hidden 256 -o slow >/dev/null || { echo "FAIL make-model"; exit 1; }
RUN=(run --model slow --corpus corpus.h5 --properties aa --thresholds 0.1,0.3 --threads 1 --groups 5 --quiet)
FAST_RUN=(run --model "$MODEL" --corpus corpus.h5 --properties aa --thresholds 0.1,0.3 --threads 1 --quiet)

# expect_failure NAME RANKS MUST_MENTION [ENV=VALUE] -- RUN ARGUMENTS...
expect_failure() {
  local name=$1 ranks=$2 mention=$3 env=$4; shift 5
  rm -rf out.h5 .out.h5.partial out.h5.checkpoint
  local begin=$SECONDS
  env $env timeout 60 "${MPIRUN[@]}" -np "$ranks" "$BIN" "$@" -o "${OUT:-out.h5}" >log 2>&1
  local rc=$? took=$((SECONDS - begin)) why=""
  [ $rc -eq 0 ] && why="exit 0"
  [ $rc -eq 124 ] && why="hang (timeout)"
  [ $took -gt "$FAULT_SECONDS" ] && why="$why; took ${took}s"
  grep -qF -- "$mention" log || why="$why; message does not name '$mention'"
  ls -a | grep -qE '^(out\.h5|\.out\.h5\.partial)$' && why="$why; output or partial file left"
  if [ -z "$why" ]; then ok "$name (${took}s)"; else ko "$name: $why"; fi
}

expect_failure "one rank meets a residue its vocabulary lacks (2 ranks)" 2 "p17" "" -- \
  run --model no_w --corpus corpus.h5 --properties aa --quiet
expect_failure "one rank meets a residue its vocabulary lacks (3 ranks)" 3 "p17" "" -- \
  run --model no_w --corpus corpus.h5 --properties aa --quiet
expect_failure "model folder without vocab.txt (2 ranks)" 2 "vocab" "" -- \
  run --model no_vocab --corpus corpus.h5 --properties aa --quiet
OUT=no/such/dir/x.h5 expect_failure "output directory missing, before any work" 2 "no/such/dir" "" -- \
  run --model "$MODEL" --corpus corpus.h5 --properties aa --quiet
for ranks in 2 3; do
  failing=$((ranks - 1))
  for stage in load plan read forward tokenize analysis checkpoint reduce write; do
    expect_failure "rank $failing of $ranks fails at $stage" "$ranks" "error on rank $failing" \
      "BERTOLOGY_FAULT=$stage@$failing" -- "${FAST_RUN[@]}" --checkpoint-interval 0.001
  done
done

# The reference: one uninterrupted run.
"${MPIRUN[@]}" -np 1 "$BIN" "${RUN[@]}" -o reference.h5 >log 2>&1 || ko "reference run"

same_as_reference() {
  $PY - "$1" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File('reference.h5', 'r'), h5py.File(sys.argv[1], 'r')
names = []
a.visit(lambda k: names.append(k) if isinstance(a[k], h5py.Dataset) and k.split('/')[0] in ('counts', 'groups', 'background') else None)
bad = [k for k in names if k not in b or not np.array_equal(a[k][()], b[k][()], equal_nan=True)]
bad += [k + '@' + n for k in names if k.startswith('background/') for n in ('positives', 'eligible') if a[k].attrs[n] != b[k].attrs[n]]
print('same' if names and not bad else 'differ: ' + ','.join(bad[:5]))
PY
}

# interrupt NAME RESUME_RANKS HOW: start at 2 ranks with a checkpoint after every block, stop
# it with HOW once a few blocks are saved, then resume at RESUME_RANKS.
interrupt() {
  local name=$1 resume_ranks=$2 how=$3
  rm -rf out.h5 out.h5.checkpoint
  "${MPIRUN[@]}" -np 2 "$BIN" "${RUN[@]}" --checkpoint-interval 0.001 -o out.h5 >log 2>&1 &
  local job=$!
  for _ in $(seq 200); do
    [ "$(ls out.h5.checkpoint 2>/dev/null | grep -c 'rank-00001.h5$')" -ge 1 ] && break
    sleep 0.05
  done
  sleep 0.$((RANDOM % 5 + 1))
  local ranks_pids
  ranks_pids=$(pgrep -f "^$BIN run .*-o out.h5")
  case $how in
    term) kill -TERM $ranks_pids ;;
    usr1-mpirun) kill -USR1 $job ;;
    kill-one) kill -KILL $(echo "$ranks_pids" | tail -1) ;;
    kill-all) kill -KILL $job $ranks_pids ;;
  esac
  wait $job
  local rc=$?
  if [ -f out.h5 ]; then
    ko "$name: the run ended before the signal (rc $rc): nothing was tested"
    return
  fi
  case $how in
    term | usr1-mpirun) [ $rc -eq 75 ] || { ko "$name: exit status $rc, not 75"; return; } ;;
    *) [ $rc -ne 0 ] || { ko "$name: exit status 0 without a result"; return; } ;;
  esac
  "${MPIRUN[@]}" -np "$resume_ranks" "$BIN" "${RUN[@]}" --resume -o out.h5 >log 2>&1 || { ko "$name: resume failed"; return; }
  local verdict
  verdict=$(same_as_reference out.h5)
  attempts=$($PY -c "import h5py; print(h5py.File('out.h5','r').attrs['attempts'])")
  if [ "$verdict" = same ] && [ ! -d out.h5.checkpoint ] && [ "$attempts" -ge 2 ]; then
    ok "$name, resumed at $resume_ranks ranks: counts identical ($attempts attempts)"
  else
    ko "$name: $verdict; attempts $attempts; checkpoint left: $(ls -d out.h5.checkpoint 2>/dev/null)"
  fi
}

interrupt "SIGTERM to every rank" 3 term
interrupt "SIGUSR1 to mpirun" 2 usr1-mpirun
interrupt "kill -9 of one rank" 3 kill-one
interrupt "kill -9 of the whole job" 2 kill-all

# An existing checkpoint is never silently discarded or mixed with other settings.
rm -rf out.h5 out.h5.checkpoint
BERTOLOGY_FAULT=reduce@0 "${MPIRUN[@]}" -np 1 "$BIN" "${RUN[@]}" --checkpoint-interval 0.001 -o out.h5 >/dev/null 2>&1
"${MPIRUN[@]}" -np 1 "$BIN" "${RUN[@]}" -o out.h5 >log 2>&1 && ko "a run without --resume ignored a checkpoint" ||
  { grep -qF -- "--resume" log && ok "a checkpoint left by a failed run is not ignored"; } || ko "checkpoint message"
"${MPIRUN[@]}" -np 1 "$BIN" run --model slow --corpus corpus.h5 --properties aa --thresholds 0.2 --threads 1 \
  --groups 5 --quiet --resume -o out.h5 >log 2>&1 && ko "resume with other thresholds accepted" ||
  { grep -qF "thresholds" log && ok "resume with other settings refused, the setting named"; } || ko "settings message"
"${MPIRUN[@]}" -np 2 "$BIN" "${RUN[@]}" --resume -o out.h5 >log 2>&1 && [ "$(same_as_reference out.h5)" = same ] &&
  ok "resume after a failure at the reduction" || ko "resume after a failure at the reduction"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

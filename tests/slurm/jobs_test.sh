#!/usr/bin/env bash
# The job scripts of jobs/ submitted to a real SLURM cluster on localhost (tests/slurm/cluster.sh):
#   jobs_test.sh BIN SRC CLUSTER_DIR WORK_DIR two_ranks|requeue|sweep
# Exit 77 (ctest: skipped) when the cluster did not start here.
set -euo pipefail
BIN=$1 SRC=$2 CLUSTER=$3 WORK=$4 SCENARIO=$5
[ -f "$CLUSTER/env" ] || { echo "skipped: no local SLURM cluster (see slurm_cluster_start)"; exit 77; }
# shellcheck disable=SC1091
source "$CLUSTER/env"
export BERTOLOGY=$BIN
fail() { echo "FAIL: $*" >&2; exit 1; }

# Polls a job until it has ended; prints its final state. Requeued jobs keep their id.
wait_for() {
  local job=$1 limit=$2 state="" start=$SECONDS
  while ((SECONDS - start < limit)); do
    state=$(scontrol show job "$job" 2>/dev/null | awk -F= '/JobState=/ {split($2, a, " "); print a[1]; exit}')
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) break ;;
    esac
    sleep 2
  done
  echo "${state:-UNKNOWN}"
}

# The same counts, whatever the ranks, attempts and schedule: compares every dataset under
# /counts, /known, /null and /contact_precision, and the background attributes.
same_counts() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, 'r') for p in sys.argv[1:3])
names = []
for root in ('counts', 'known', 'null', 'contact_precision', 'background'):
    if root in a:
        a[root].visit(lambda k, r=root: names.append(r + '/' + k) if isinstance(a[r][k], h5py.Dataset) else None)
bad = [n for n in names if n not in b or not np.array_equal(a[n][()], b[n][()], equal_nan=True)]
bad += [n for n in names if n.startswith('background/') and dict(a[n].attrs) != dict(b[n].attrs)]
if bad: sys.exit('counts differ: ' + ', '.join(bad[:5]))
print(f'{len(names)} datasets identical')
PY
}

# A fresh directory: job ids restart with the cluster, and a result left by an earlier ctest
# would make the job refuse to overwrite it.
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
structures=/usr/share/doc/theseus/examples
[ -d "$structures" ] || { echo "skipped: theseus-examples not installed"; exit 77; }

case $SCENARIO in
two_ranks)
  "$BIN" make-model --arch prot_bert --layers 2 --heads 4 --hidden 64 --seed 3 -o model --force >/dev/null
  mapfile -t files < <(find "$structures" -name '*.pdb*' | sort | head -8)
  "$BIN" prepare "${files[@]}" --binding-sites ligands -o corpus.h5 --force --quiet
  printf 'model = %s\ncorpus = %s\noutput = %s\nthresholds = 0.1,0.3\n' "$PWD/model" "$PWD/corpus.h5" "$PWD/two.h5" > two.ini
  job=$(sbatch --parsable --ntasks=2 --ntasks-per-node=2 --cpus-per-task=1 --time=15 "$SRC/jobs/run.sbatch" two.ini)
  state=$(wait_for "$job" 300)
  [ "$state" = COMPLETED ] || { cat ./*"$job".log >&2 || true; fail "job $job ended $state"; }
  [ -s "bertology-$job.log" ] || fail "no log bertology-$job.log"
  grep -q "wrote $PWD/two.h5" "bertology-$job.log" || fail "the log does not say the result was written"
  [ -s two.report.txt ] || fail "no report next to the result"
  "$BIN" run --model model --corpus corpus.h5 --thresholds 0.1,0.3 -o one.h5 --force --quiet
  same_counts one.h5 two.h5
  /usr/bin/python3 -c "import h5py,sys; r=h5py.File('two.h5').attrs['ranks']; sys.exit(0 if r == 2 else f'ranks {r}')"
  echo "two ranks under SLURM: job $job COMPLETED, counts equal one rank's"
  ;;
requeue)
  # 100 blocks of one structure, each made 1.5 s longer (BERTOLOGY_BLOCK_DELAY, a test switch):
  # 75 s on each of two ranks, in allocations of two minutes with SIGUSR1 60 s before the
  # end (SLURM signals up to a minute early, and holds a requeued job two minutes), so the job
  # is stopped by its time limit, saves, requeues and resumes at least once.
  "$BIN" make-model --arch prot_bert --layers 2 --heads 4 --hidden 64 --seed 5 -o model --force >/dev/null
  mapfile -t files < <(find "$structures" -name '*.pdb*' | sort | head -100)
  "$BIN" prepare "${files[@]}" --binding-sites ligands --block-size 1 -o corpus.h5 --force --quiet
  printf 'model = %s\ncorpus = %s\noutput = %s\nthresholds = 0.1,0.3\ngroups = 4\nnull = 3\ncheckpoint-interval = 10\n' \
    "$PWD/model" "$PWD/corpus.h5" "$PWD/requeued.h5" > requeue.ini
  job=$(BERTOLOGY_BLOCK_DELAY=1.5 sbatch --parsable --ntasks=2 --ntasks-per-node=2 --cpus-per-task=1 --time=2 \
          --signal=USR1@60 "$SRC/jobs/run.sbatch" requeue.ini)
  state=$(wait_for "$job" 900)
  log="bertology-$job.log"
  [ "$state" = COMPLETED ] || { cat "$log" >&2 || true; fail "job $job ended $state"; }
  starts=$(grep -c "^bertology: job $job " "$log")
  requeues=$(grep -c "requeueing job $job" "$log" || true)
  attempts=$(/usr/bin/python3 -c "import h5py; print(h5py.File('requeued.h5').attrs['attempts'])")
  echo "job $job: $starts starts, $requeues requeues, $attempts attempts in the result"
  [ "$starts" -ge 2 ] && [ "$requeues" -ge 1 ] && [ "$attempts" -ge 2 ] || { cat "$log" >&2; fail "the job was not interrupted and requeued"; }
  "$BIN" run --config requeue.ini -o uninterrupted.h5 --force --quiet
  same_counts uninterrupted.h5 requeued.h5
  [ ! -d requeued.h5.checkpoint ] || fail "the checkpoint directory is left behind"
  echo "requeued until done: counts equal an uninterrupted run"
  ;;
sweep)
  "$BIN" make-model --arch prot_bert --layers 2 --heads 4 --hidden 64 --seed 1 -o bert --force >/dev/null
  "$BIN" make-model --arch esm2 --layers 2 --heads 4 --hidden 64 --seed 2 -o esm --force >/dev/null
  mapfile -t files < <(find "$structures" -name '*.pdb*' | sort | head -6)
  "$BIN" prepare "${files[@]}" --binding-sites ligands -o corpus.h5 --force --quiet
  printf 'model = %s\n' "$PWD/bert" > bert.ini
  printf 'model = %s\n' "$PWD/esm" > esm.ini
  cat > sweep.ini <<INI
models = bert.ini, esm.ini
corpora = corpus.h5
thresholds = 0.1,0.3,0.5
properties = contact,binding_site,ss4
output = out
run_args = --groups 3
sbatch_args = --ntasks=2 --ntasks-per-node=2 --cpus-per-task=1 --time=15
INI
  bash "$SRC/jobs/sweep.sh" sweep.ini | tee submit.txt
  array=$(awk '/array job/ {print $4}' submit.txt | tr -d :)
  merge=$(awk '/merge job/ {print $4}' submit.txt)
  [ -n "$array" ] && [ -n "$merge" ] || fail "sweep.sh did not print the job ids"
  state=$(wait_for "$merge" 600)
  [ "$state" = COMPLETED ] || { cat out/*.log >&2 || true; fail "merge job $merge ended $state"; }
  for task in 0 1; do
    [ "$(wait_for "${array}_$task" 60)" = COMPLETED ] || fail "array task ${array}_$task did not complete"
  done
  /usr/bin/python3 - out/sweep__corpus.h5 <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], 'r')
assert len(f['members']) == 2, list(f['members'])
models = {f['members'][m].attrs['architecture'].decode() for m in f['members']}
assert models == {'prot_bert', 'esm2'}, models
thresholds = sorted(set(f['comparison/threshold'][()]))
assert thresholds == [0.1, 0.3, 0.5], thresholds
rows = len(f['comparison/threshold'])
properties = {p.decode() if isinstance(p, bytes) else p for p in f['comparison/property'][()]}
assert rows == 2 * 3 * len(properties), (rows, properties)
print(f'sweep.h5: 2 members, {rows} comparison rows ({len(properties)} properties x 3 thresholds x 2 models)')
PY
  [ -s out/sweep__corpus.html/index.html ] || fail "no comparison page"
  # Again: everything exists, nothing is submitted.
  bash "$SRC/jobs/sweep.sh" sweep.ini | tee again.txt
  grep -q "every result exists" again.txt && grep -q "nothing to merge" again.txt || fail "a second sweep.sh submitted work again"
  # One result removed: only its task and the merge are submitted.
  rm out/esm__corpus.h5
  bash "$SRC/jobs/sweep.sh" sweep.ini | tee third.txt
  grep -q "array job .*: 1 task(s) (1 result(s) already there)" third.txt || fail "sweep.sh did not resubmit only the missing task"
  merge=$(awk '/merge job/ {print $4}' third.txt)
  [ "$(wait_for "$merge" 600)" = COMPLETED ] || fail "the second merge did not complete"
  [ -s out/esm__corpus.h5 ] || fail "the missing result was not made again"
  echo "sweep of 2 models x 3 thresholds merged; a second submission skips what exists"
  ;;
*) echo "unknown scenario $SCENARIO" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Determinism as a property: for random corpora and random settings (layout, shape, thresholds,
# block size, null permutations, groups), seeded so that a failure reproduces
# (BERTOLOGY_PROPERTY_SEEDS="s1 s2 ..." picks others):
#  - the counts are identical at 1, 2 and 3 ranks, and after a SIGTERM at a random moment and a
#    resume at another rank count (batch settings and threads per rank fixed);
#  - across batch sizes, each count differs from the one-sequence-per-batch count by no more than
#    the number of entries whose α lies within the stated tolerance (1e-4, the goldens') of that
#    θ, counted from every sequence's maps computed alone (`attention`).
set -u
BIN=$1
SEEDS=${BERTOLOGY_PROPERTY_SEEDS:-"5 9 16"}
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
PY=/usr/bin/python3
"$PY" -c "import h5py, numpy" 2>/dev/null || { echo "SKIP: python3-h5py absent"; exit 77; }
W=$(mktemp -d); trap 'pkill -KILL -f "$W" 2>/dev/null; rm -rf "$W"' EXIT; cd "$W" || exit 1
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; [ -f log ] && sed 's/^/    /' log | tail -6; fail=$((fail + 1)); }

same_counts() {  # same_counts A B: every count of B equals A's
  local group
  for group in counts null groups background; do
    if h5dump -n "$1" | grep -q "group */$group\$"; then
      h5diff -q "$1" "$2" "/$group" "/$group" >/dev/null 2>&1 || { echo "    /$group differs"; return 1; }
    fi
  done
}

for seed in $SEEDS; do
  rm -rf round && mkdir round && cd round || exit 1
  # The random settings of this round, as shell assignments.
  eval "$("$PY" - "$seed" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
arch = r.choice(["tape_bert", "prot_bert", "prot_albert", "prot_xlnet", "esm2"])
heads = r.randint(1, 4)
thresholds = sorted(r.sample([0.02, 0.05, 0.1, 0.2, 0.3, 0.5], r.randint(1, 3)))
records = r.randint(12, 40)
with open("corpus.fasta", "w") as f:
    for k in range(records):
        n = r.randint(5, 300)
        f.write(">s%d\n%s\n" % (k, "".join(r.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(n))))
block = r.randint(1, 6)
blocks = (records + block - 1) // block
# Each block lasts 12 s / blocks longer (about 6 s on 2 ranks); the stop falls up to 2.5 s after
# the first block is saved.
print("ARCH=%s LAYERS=%d HEADS=%d HIDDEN=%d THRESHOLDS=%s BLOCK=%d NULL=%d GROUP_COUNT=%d BATCH=%d MODEL_SEED=%d "
      "DELAY=%.3f STOP_AFTER=%.2f"
      % (arch, r.randint(1, 3), heads, heads * 8, ",".join(map(str, thresholds)), block, r.randint(0, 2),
         r.randint(0, 3), r.randint(2, 6), r.randint(1, 1000), 12.0 / blocks, r.uniform(0.0, 2.5)))
PY
)"
  what="seed $seed: $ARCH ${LAYERS}x$HEADS, θ $THRESHOLDS, blocks of $BLOCK, null $NULL, groups $GROUP_COUNT"
  "$BIN" make-model --arch "$ARCH" --layers "$LAYERS" --heads "$HEADS" --hidden "$HIDDEN" --seed "$MODEL_SEED" \
    -o model >/dev/null && "$BIN" prepare --quiet --block-size "$BLOCK" corpus.fasta -o corpus.h5 ||
    { ko "$what: setup"; cd ..; continue; }
  RUN=(run --quiet --model model --corpus corpus.h5 --thresholds "$THRESHOLDS" --null "$NULL" --groups "$GROUP_COUNT"
       --threads 1)
  "$BIN" "${RUN[@]}" --batch-size 1 -o ranks1.h5 >log 2>&1 || { ko "$what: 1 rank"; cd ..; continue; }
  agree=yes
  for np in 2 3; do
    "${MPIRUN[@]}" -np $np "$BIN" "${RUN[@]}" --batch-size 1 -o ranks$np.h5 >log 2>&1 && same_counts ranks1.h5 ranks$np.h5 || agree=no
  done
  [ $agree = yes ] && ok "$what: identical counts at 1, 2, 3 ranks" || ko "$what: counts depend on the ranks"

  # Stopped at a random moment once the blocks run, resumed at 3 ranks.
  BERTOLOGY_BLOCK_DELAY=$DELAY "${MPIRUN[@]}" -np 2 "$BIN" "${RUN[@]}" --batch-size 1 --checkpoint-interval 0.001 \
    -o "$PWD/resumed.h5" >log 2>&1 &
  launcher=$!
  for _ in $(seq 200); do
    ls resumed.h5.checkpoint 2>/dev/null | grep -q 'rank-0000[01].h5$' && break
    sleep 0.05
  done
  sleep "$STOP_AFTER"
  pkill -TERM -f "^$BIN run .*-o $PWD/resumed.h5" 2>/dev/null  # every rank, not mpirun
  wait $launcher
  stopped=$?
  # A stop inside a rank's last block lets the run finish (status 0); any other ends with 75.
  if [ $stopped -eq 0 ]; then
    same_counts ranks1.h5 resumed.h5 && ok "$what: SIGTERM $STOP_AFTER s after the first block, in the last blocks: the run finished with identical counts" ||
      ko "$what: a run stopped in its last blocks"
  elif [ $stopped -ne 75 ]; then
    ko "$what: SIGTERM $STOP_AFTER s after the first block ended the run with status $stopped, not 75"
  else
    "${MPIRUN[@]}" -np 3 "$BIN" "${RUN[@]}" --batch-size 1 --resume -o "$PWD/resumed.h5" >log 2>&1 &&
      same_counts ranks1.h5 resumed.h5 && ok "$what: stopped $STOP_AFTER s after the first block, resumed at 3 ranks: identical counts" ||
      ko "$what: resume after $STOP_AFTER s"
  fi

  # Batches of up to $BATCH sequences against one per batch, within the tolerance's reach.
  "$BIN" "${RUN[@]}" --batch-size "$BATCH" -o batched.h5 >log 2>&1 || { ko "$what: batch $BATCH"; cd ..; continue; }
  "$PY" - > sequences.txt <<'PY'
for line in open("corpus.fasta"):
    if not line.startswith(">"): print(line.strip())
PY
  k=0
  while read -r sequence; do
    "$BIN" attention --model model --sequence "$sequence" -o alone$k.h5 >log 2>&1 || break
    k=$((k + 1))
  done < sequences.txt
  if "$PY" - "$ARCH" "$THRESHOLDS" "$k" > log 2>&1 <<'PY'
import sys, h5py, numpy as np
arch, thresholds, count = sys.argv[1], [float(t) for t in sys.argv[2].split(",")], int(sys.argv[3])
tolerance = 1e-4
lead, trail = (0, 2) if arch == "prot_xlnet" else (1, 1)
near = None
for k in range(count):
    maps = h5py.File("alone%d.h5" % k, "r")["attentions"][()]
    t = maps.shape[-1]
    residues = maps[:, :, lead:t - trail, lead:t - trail].astype(np.float64)
    here = np.stack([(np.abs(residues - np.float32(theta)) <= tolerance).sum(axis=(2, 3)) for theta in thresholds], -1)
    near = here if near is None else near + here
single = h5py.File("ranks1.h5", "r")["counts/above_threshold"][()]
batched = h5py.File("batched.h5", "r")["counts/above_threshold"][()]
differ = np.abs(batched - single)
print("entries within %g of a θ: %d; counts that differ: %d (largest difference %d)"
      % (tolerance, near.sum(), (differ > 0).sum(), differ.max()))
sys.exit(0 if (differ <= near).all() else 1)
PY
  then ok "$what: batches of $BATCH: $(cat log)"; else ko "$what: batches of $BATCH beyond the tolerance"; fi
  cd ..
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

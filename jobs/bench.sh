#!/usr/bin/env bash
# Measures where `run` spends its time for a model shape on real structures, and prints the
# numbers with the machine they came from. Defaults: a TapeBert-sized model (12 layers × 12
# heads, hidden 768, seeded weights) on the first N structures of Debian's theseus-examples.
#   bash jobs/bench.sh            (N=300, RANKS=2)
#   N=100 RANKS=1 LAYERS=30 HEADS=16 HIDDEN=1024 bash jobs/bench.sh   (ProtBert shape)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$here/build/release/src/apps/bertology}
N=${N:-300} RANKS=${RANKS:-2} LAYERS=${LAYERS:-12} HEADS=${HEADS:-12} HIDDEN=${HIDDEN:-768}
ARCH=${ARCH:-tape_bert} THRESHOLDS=${THRESHOLDS:-0.1,0.3,0.5} BATCH=${BATCH:-0}
STRUCTURES=${STRUCTURES:-/usr/share/doc/theseus/examples}
W=${WORK:-$(mktemp -d)}
MPIRUN=(mpirun -np "$RANKS" --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB;" \
     "BLAS: $(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')"
echo "model: $ARCH, $LAYERS layers x $HEADS heads, hidden $HIDDEN (seeded weights); ranks: $RANKS; batch: $BATCH"
"$BIN" make-model --arch "$ARCH" --layers "$LAYERS" --heads "$HEADS" --hidden "$HIDDEN" --seed 7 -o "$W/model" --force
mapfile -t files < <(find "$STRUCTURES" -type f -name '*.pdb*' | sort | head -n "$N")
"$BIN" prepare --quiet "${files[@]}" -o "$W/corpus.h5" --force
"$BIN" info "$W/corpus.h5" | sed -n '2,4p'
"${MPIRUN[@]}" "$BIN" run --model "$W/model" --corpus "$W/corpus.h5" --thresholds "$THRESHOLDS" \
  --batch-size "$BATCH" -o "$W/result.h5" --force 2>&1

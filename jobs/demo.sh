#!/usr/bin/env bash
# The demo of the README, end to end on real structures with a seeded model:
#   make-model (ProtBert layout; ARCH=esm2 etc. for the others; seeded random weights) → prepare (PDB files from Debian's
#   theseus-examples: sequences, Cα, ss4 from our DSSP, binding sites from the ligands) → run
#   on 2 MPI ranks (contact, binding_site, ss4, aa; 50 groups for the bootstrap, 19 null permutations)
#   → report, as text and as an HTML page with the figures ($OUT/report/index.html).
# Random weights measure nothing biological: this shows the pipeline, not a result.
# Works on a laptop or inside a SLURM allocation (RANKS, BIN and OUT may be set).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$here/build/release/src/apps/bertology}
OUT=${OUT:-$here/demo}
RANKS=${RANKS:-2}
ARCH=${ARCH:-prot_bert}  # tape_bert | prot_bert | prot_albert | prot_xlnet | esm2
STRUCTURES=${STRUCTURES:-/usr/share/doc/theseus/examples}
mkdir -p "$OUT"

MPIRUN=(mpirun -np "$RANKS" --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)

"$BIN" make-model --arch "$ARCH" --layers 6 --heads 8 --hidden 256 --seed 1 -o "$OUT/model" --force
mapfile -t files < <(find "$STRUCTURES" -type f \( -name '*.pdb' -o -name '*.pdb.gz' -o -name '*.ent' -o -name '*.cif' \) | sort)
echo "demo: ${#files[@]} structure files from $STRUCTURES" >&2
# theseus' files carry no SITE records: binding sites come from the ligands in the structures.
"$BIN" prepare "${files[@]}" --binding-sites ligands -o "$OUT/corpus.h5" --force
"${MPIRUN[@]}" "$BIN" run --model "$OUT/model" --corpus "$OUT/corpus.h5" --thresholds 0.1,0.3,0.5 \
  --groups "${DEMO_GROUPS:-50}" --null "${NULL_PERMUTATIONS:-19}" -o "$OUT/result.h5" --force
"$BIN" report "$OUT/result.h5" --top 5 --html "$OUT/report"
echo "demo: outputs in $OUT (corpus.h5, result.h5, report/index.html); bertology info $OUT/result.h5 shows the provenance" >&2

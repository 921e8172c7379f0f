#!/usr/bin/env bash
# Attention in blocks of query rows changes no count: `run` with --attention-memory 1 (every
# layer in 32-row blocks) against the default (whole layers), on every public layout, at 1 and
# 2 ranks; the length limits as documented (a position table refuses a longer explicit cut,
# ESM-2 runs past its config's max_position_embeddings); contact precision refused in blocks.
set -u
BIN=$1 DATA=$2
MPIRUN=(mpirun --oversubscribe -np 2)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; cd "$W" || exit 1
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -f log ] && sed 's/^/    /' log | tail -5; fail=$((fail + 1)); }

# Proteins of 20 to 700 residues (a 32-row block boundary falls inside most of them).
/usr/bin/python3 - <<'PY'
import random
random.seed(11)
with open("proteins.fasta", "w") as f:
    for k, n in enumerate([20, 33, 64, 97, 150, 255, 300, 700]):
        f.write(">p%d\n%s\n" % (k, "".join(random.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(n))))
PY
"$BIN" prepare --quiet proteins.fasta -o corpus.h5 || { echo "FAIL cannot prepare"; exit 1; }

for arch in tape_bert prot_bert prot_albert prot_xlnet esm2; do
  rm -f whole.h5 blocks.h5
  "$BIN" make-model --arch "$arch" --layers 2 --heads 3 --hidden 24 --seed 5 -o "$arch" >/dev/null || {
    bad "$arch: make-model"; continue; }
  cut=()
  [ "$arch" = esm2 ] && cut=(--max-residues 700)  # past the config's 512 positions: rotary
  common=(run --quiet --model "$arch" --corpus corpus.h5 --thresholds 0.05,0.1,0.3 --null 2 --groups 2 "${cut[@]}")
  if ! "$BIN" "${common[@]}" -o whole.h5 >log 2>&1; then bad "$arch: whole layers"; continue; fi
  if ! "${MPIRUN[@]}" "$BIN" "${common[@]}" --attention-memory 1 -o blocks.h5 >log 2>&1; then
    bad "$arch: blocks at 2 ranks"; continue; fi
  same=yes
  for group in counts null groups background; do  # no labels in FASTA: no /known
    h5diff -q whole.h5 blocks.h5 "/$group" "/$group" >/dev/null 2>&1 || { same=no; echo "    /$group differs"; }
  done
  expected_cut=1  # the 700-residue protein, past the default cut of 510
  [ "$arch" = esm2 ] && expected_cut=0
  h5dump -a /n_sequences_cut whole.h5 | grep -q "(0): $expected_cut\$" ||
    { same=no; echo "    n_sequences_cut is not $expected_cut"; }
  above=$(h5dump -d /counts/above_threshold whole.h5 2>/dev/null | grep -o "[1-9][0-9]*" | head -1)
  [ -n "$above" ] || { same=no; echo "    nothing counted: the comparison would be empty"; }
  [ $same = yes ] && ok "$arch: counts in 32-row blocks at 2 ranks equal whole layers at 1 rank" ||
    bad "$arch: counts differ"
done

"$BIN" run --quiet --model prot_bert --corpus corpus.h5 --max-residues 600 -o long.h5 >log 2>&1
[ $? -ne 0 ] && grep -q "512 positions: at most 510 residues" log && [ ! -e long.h5 ] &&
  ok "a cut beyond the position table is refused naming the limit" || bad "cut beyond the position table"

"$BIN" prepare --quiet "$DATA/structure/tripeptide.pdb" -o structure.h5 >/dev/null 2>&1
"$BIN" run --quiet --model prot_bert --corpus structure.h5 --contact-precision on --attention-memory 1 \
  -o precision.h5 >log 2>&1
[ $? -ne 0 ] && grep -q "needs each layer's whole map" log && [ ! -e precision.h5 ] &&
  ok "contact precision on is refused when layers come in blocks" || bad "contact precision in blocks"
"$BIN" run --model prot_bert --corpus structure.h5 --attention-memory 1 -o auto.h5 >log 2>&1
[ $? -eq 0 ] && grep -q "contact precision needs whole maps and is left out" log &&
  ! h5dump -n auto.h5 | grep -q contact_precision &&
  ok "contact precision auto is left out, with a note, when layers come in blocks" || bad "contact precision auto"

"$BIN" run --quiet --model prot_bert --corpus corpus.h5 --attention-memory 4XB -o size.h5 >log 2>&1
[ $? -ne 0 ] && grep -q "is not a size" log && ok "a malformed size is refused" || bad "malformed size"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

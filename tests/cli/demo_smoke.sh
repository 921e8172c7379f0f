#!/usr/bin/env bash
# The README's demo (jobs/demo.sh) on a handful of the theseus structures, checked for its outputs.
set -eu
BIN=$1 SRC=$2
if [ ! -d /usr/share/doc/theseus/examples ]; then echo "skipped: theseus-examples not installed"; exit 0; fi
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir "$W/structures"
find /usr/share/doc/theseus/examples -name '*.pdb*' | sort | head -12 | xargs -I{} cp {} "$W/structures/"
BIN=$BIN OUT=$W/out STRUCTURES=$W/structures bash "$SRC/jobs/demo.sh" > "$W/report.txt"
grep -q "random" "$W/report.txt" || { echo "report does not say the weights are random"; exit 1; }
/usr/bin/python3 - "$W/out/result.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
assert f.attrs['ranks'] == 2, f.attrs['ranks']
assert all(k in f['counts'] for k in ('contact', 'binding_site', 'ss4_helix', 'aa_A')), list(f['counts'])
assert (f['counts/above_threshold'][()] > 0).any()
print('demo ok:', f.attrs['n_sequences'], 'sequences')
PY

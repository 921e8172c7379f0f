#!/usr/bin/env bash
# The README's demo (jobs/demo.sh) on a handful of the theseus structures, checked for its outputs.
# With OUT, the outputs stay there (the HTML report is rendered by report_html_chromium).
set -eu
BIN=$1 SRC=$2 KEEP=${3:-}
if [ ! -d /usr/share/doc/theseus/examples ]; then echo "skipped: theseus-examples not installed"; exit 77; fi
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
OUT=${KEEP:-$W/out}
rm -rf "$OUT"
mkdir "$W/structures"
find /usr/share/doc/theseus/examples -name '*.pdb*' | sort | head -12 | xargs -I{} cp {} "$W/structures/"
DEMO_GROUPS=4 NULL_PERMUTATIONS=9 BIN=$BIN OUT=$OUT STRUCTURES=$W/structures bash "$SRC/jobs/demo.sh" > "$W/report.txt"
grep -q "random" "$W/report.txt" || { echo "report does not say the weights are random"; exit 1; }
grep -q "bootstrap over 4 groups" "$W/report.txt" || { echo "report does not rest on the bootstrap"; exit 1; }
grep -q "vs BLOSUM62: r = " "$W/report.txt" || { echo "report has no BLOSUM62 correlation"; exit 1; }
grep -q "contact precision per head" "$W/report.txt" || { echo "report has no contact precision"; exit 1; }
for f in index.html heads.csv figures/heatmap_contact.svg figures/layer_profile.svg figures/blosum62.svg \
         figures/amino_acid_similarity.svg figures/contact_precision.svg; do
  [ -s "$OUT/report/$f" ] || { echo "the HTML report lacks $f"; exit 1; }
done
/usr/bin/python3 - "$OUT/result.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
assert f.attrs['ranks'] == 2, f.attrs['ranks']
assert all(k in f['counts'] for k in ('contact', 'binding_site', 'ss4_helix', 'aa_A')), list(f['counts'])
assert (f['counts/above_threshold'][()] > 0).any()
assert f['counts/ss4_helix'].attrs['denominator'] == b'known/ss4'  # fixed-length strings: bytes
assert f['null'].attrs['permutations'] == 9 and f['null/counts/contact'].shape[0] == 9
assert (f['contact_precision/top_l5/selected'][()] > 0).all()
print('demo ok:', f.attrs['n_sequences'], 'sequences')
PY

#!/usr/bin/env bash
# Malformed inputs end with one clear message naming the file (and record/line), a non-zero
# exit, no partial output, and no hang of the other rank (each case runs on 2 ranks).
set -u
BIN=$1 DATA=$2
MODEL="$DATA/golden/prot_bert"
MPIRUN=(mpirun --oversubscribe -np 2)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; cd "$W" || exit 1
pass=0 fail=0

# expect_failure NAME MUST_MENTION OUTPUT -- COMMAND...
expect_failure() {
  local name=$1 mention=$2 output=$3; shift 4
  timeout 120 "${MPIRUN[@]}" "$BIN" "$@" >log 2>&1
  local rc=$?
  local why=""
  [ $rc -eq 0 ] && why="exit 0"
  [ $rc -eq 124 ] && why="hang (timeout)"
  grep -qF -- "$mention" log || why="$why; message does not name '$mention'"
  [ -n "$output" ] && ls -a | grep -qF "$output" && why="$why; output or partial file left"
  if [ -z "$why" ]; then echo "PASS $name"; pass=$((pass + 1));
  else echo "FAIL $name: $why"; sed 's/^/    /' log | tail -5; fail=$((fail + 1)); fi
}

printf '>ok\nMKTAYIAKQR\n' > good.fasta
"$BIN" prepare --quiet good.fasta -o good.h5 || { echo "FAIL cannot prepare a good corpus"; exit 1; }

printf 'MKTAYIAKQR\n' > no_header.fasta
expect_failure "FASTA without '>'" "no_header.fasta" out1.h5 -- prepare no_header.fasta -o out1.h5
printf '>a\nMKT1AYI\n' > digit.fasta
expect_failure "non-amino-acid character" "digit.fasta" out2.h5 -- prepare digit.fasta -o out2.h5
printf '>empty\n>b\nMKV\n' > empty.fasta
expect_failure "empty sequence" "empty" out3.h5 -- prepare empty.fasta -o out3.h5
printf '[PRIMARY]\nMKV\n[ID]\nx\n\n' > order.proteinnet
expect_failure "ProteinNet sections out of order" "order.proteinnet" out4.h5 -- prepare --format proteinnet order.proteinnet -o out4.h5
printf '{"id": "1abc.A", "primary": 5, "positions": [1], "sites": []}\n' > wrong_type.jsonl
expect_failure "JSONL field of the wrong type" "wrong_type.jsonl" out5.h5 -- prepare --label binding_site wrong_type.jsonl -o out5.h5
expect_failure "missing input file" "missing.fasta" out6.h5 -- prepare missing.fasta -o out6.h5
printf '{"id": "1abc.A", "primary": "MKV", "positions": [1e712], "sites": []}\n' > huge_number.jsonl
expect_failure "JSONL number beyond double (found by fuzzing config.json)" "huge_number.jsonl" out17.h5 -- prepare --label binding_site huge_number.jsonl -o out17.h5

mkdir lying && cp "$MODEL"/* lying/ && /usr/bin/python3 - <<'PY'
import json, struct
p = 'lying/model.safetensors'; b = open(p, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n]); k = next(k for k in h if k != '__metadata__')
h[k]['data_offsets'][1] += 4096
t = json.dumps(h).encode(); t += b' ' * ((8 - len(t) % 8) % 8)
open(p, 'wb').write(struct.pack('<Q', len(t)) + t + b[8 + n:])
PY
expect_failure "safetensors header lying about sizes" "model.safetensors" out7.h5 -- run --model lying --corpus good.h5 -o out7.h5
mkdir short_vocab && cp "$MODEL"/* short_vocab/ && head -n 10 "$MODEL/vocab.txt" > short_vocab/vocab.txt
expect_failure "config/vocab mismatch" "vocab" out8.h5 -- run --model short_vocab --corpus good.h5 -o out8.h5
echo "not hdf5" > fake.h5
expect_failure "corpus that is not HDF5" "fake.h5" out9.h5 -- run --model "$MODEL" --corpus fake.h5 -o out9.h5
expect_failure "duplicate threshold" "0.3" out10.h5 -- run --model "$MODEL" --corpus good.h5 --thresholds 0.3,0.3 -o out10.h5
expect_failure "threshold outside (0,1)" "1.5" out11.h5 -- run --model "$MODEL" --corpus good.h5 --thresholds 0.1,1.5 -o out11.h5
expect_failure "threshold not a number" "--thresholds" out12.h5 -- run --model "$MODEL" --corpus good.h5 --thresholds 0.1,abc -o out12.h5
# 0.99999999 is 1 in float32, where attention is compared: refused before the model or the
# corpus is opened (neither exists here).
expect_failure "threshold that is 1 in float32" "float32" out16.h5 -- run --model no_such_model --corpus no_such.h5 --thresholds 0.99999999 -o out16.h5
expect_failure "unknown option" "--bogus" out13.h5 -- run --model "$MODEL" --corpus good.h5 --bogus -o out13.h5
expect_failure "property the corpus lacks" "binding_site" out14.h5 -- run --model "$MODEL" --corpus good.h5 --properties binding_site -o out14.h5

printf 'HEADER    NOTHING\nEND\n' > empty.pdb
expect_failure "structure without coordinates (dssp)" "empty.pdb" "" -- dssp empty.pdb
expect_failure "contact-atom cb without Cβ" "cb" out15.h5 -- run --model "$MODEL" --corpus good.h5 --contact-atom cb -o out15.h5

echo keep > existing.h5
expect_failure "existing output without --force" "existing.h5" "" -- run --model "$MODEL" --corpus good.h5 -o existing.h5
if [ "$(cat existing.h5)" = keep ]; then echo "PASS existing output untouched"; pass=$((pass + 1));
else echo "FAIL existing output was modified"; fail=$((fail + 1)); fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# env/fetch_model.sh against a local folder laid out like the Hugging Face hub (file:// endpoint):
# a good checkpoint arrives whole and loads; a corrupted weight file or a wrong size is refused
# and leaves nothing under the final name.
set -euo pipefail
BIN=$1 SRC=$2
command -v curl >/dev/null || { echo "skipped: curl not installed"; exit 77; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$BIN" make-model --arch esm2 --layers 2 --heads 4 --hidden 32 --seed 9 -o "$W/model" --force >/dev/null
repo=test-org/esm2_tiny
hub="$W/hub"
mkdir -p "$hub/$repo/resolve/main" "$hub/api/models/$repo/tree"
cp "$W/model"/* "$hub/$repo/resolve/main/"
echo "# a README the hub has and bertology does not need" > "$hub/$repo/resolve/main/README.md"
listing() {  # the hub's tree listing: LFS entries for the weights, git blob ids for small files
  python3 - "$hub/$repo/resolve/main" "${1:-0}" <<'PY'
import hashlib, json, os, sys
folder, wrong_size = sys.argv[1], sys.argv[2] == '1'
entries = []
for name in sorted(os.listdir(folder)):
    data = open(os.path.join(folder, name), 'rb').read()
    entry = {'type': 'file', 'path': name, 'size': len(data) + (1 if wrong_size and name.endswith('.safetensors') else 0),
             'oid': hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()}
    if name.endswith('.safetensors'):
        entry['lfs'] = {'oid': hashlib.sha256(data).hexdigest(), 'size': entry['size'], 'pointerSize': 134}
    entries.append(entry)
print(json.dumps(entries))
PY
}
listing > "$hub/api/models/$repo/tree/main"

HF_ENDPOINT="file://$hub" BERTOLOGY=$BIN bash "$SRC/env/fetch_model.sh" "$repo" "$W/fetched" 2>"$W/log" || { cat "$W/log"; fail "fetch of a good checkpoint failed"; }
for f in config.json model.safetensors vocab.txt; do cmp -s "$W/model/$f" "$W/fetched/$f" || fail "$f differs after the fetch"; done
[ ! -e "$W/fetched/README.md" ] || fail "a file bertology does not need was fetched"
grep -q "^model.safetensors .* sha256 " "$W/fetched/FETCHED" || fail "FETCHED does not record the weights' hash"
grep -q "loads in bertology" "$W/log" || fail "the fetched folder was not checked by loading it"

# One flipped byte in the weights, same size: the hash check refuses it.
python3 - "$hub/$repo/resolve/main/model.safetensors" <<'PY'
import sys
path = sys.argv[1]; data = bytearray(open(path, 'rb').read()); data[-1] ^= 0xFF; open(path, 'wb').write(data)
PY
if HF_ENDPOINT="file://$hub" bash "$SRC/env/fetch_model.sh" "$repo" "$W/corrupt" 2>"$W/log2"; then fail "a corrupted weight file was accepted"; fi
grep -q "model.safetensors: sha256 .* the hub lists" "$W/log2" || { cat "$W/log2"; fail "the refusal does not name the hash"; }
[ ! -e "$W/corrupt/model.safetensors" ] && [ ! -e "$W/corrupt/model.safetensors.partial" ] || fail "the corrupted file was left behind"

# A size that does not match the listing.
cp "$W/model/model.safetensors" "$hub/$repo/resolve/main/model.safetensors"
listing 1 > "$hub/api/models/$repo/tree/main"
if HF_ENDPOINT="file://$hub" bash "$SRC/env/fetch_model.sh" "$repo" "$W/short" 2>"$W/log3"; then fail "a wrong size was accepted"; fi
grep -q "model.safetensors: .* bytes, the hub lists" "$W/log3" || { cat "$W/log3"; fail "the refusal does not name the size"; }
echo "fetch_model: good checkpoint fetched and loaded; corrupted and mis-sized files refused"

#!/usr/bin/env bash
# Fetches a public checkpoint folder and leaves it as the folder `bertology run --model` reads
# (config.json, model.safetensors, the vocabulary), checking every file's size and hash. Run it
# on a machine with internet access (a login node), then copy the folder where the jobs read it:
#   bash env/fetch_model.sh Rostlab/prot_bert models/prot_bert
#   bash env/fetch_model.sh facebook/esm2_t33_650M_UR50D models/esm2_t33_650M
#   bash env/fetch_model.sh tape_bert models/tape_bert          (TAPE's bert-base, from its S3 bucket)
# Hub checkpoints: the file list, sizes and SHA-256 come from the hub's API
# (HF_ENDPOINT/api/models/ID/tree/REVISION); every file is checked against them (LFS files by
# SHA-256, small files by their git blob id) before it is moved into place. A checkpoint with
# only pytorch_model.bin is converted to model.safetensors with env/convert_checkpoint.py (needs
# Python with torch on that machine). HF_ENDPOINT (default https://huggingface.co) may be a
# mirror, or file:///path of a local folder laid out like the hub (as the test does).
# REVISION (default main) pins a commit. BERTOLOGY, when set, checks that the folder loads.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
id=${1:?usage: env/fetch_model.sh HUB_ID|tape_bert DEST}
dest=${2:?usage: env/fetch_model.sh HUB_ID|tape_bert DEST}
endpoint=${HF_ENDPOINT:-https://huggingface.co}
revision=${REVISION:-main}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
log="$dest/FETCHED"

fetch() {  # URL FILE: download to FILE.partial, then the caller checks and moves it
  curl --fail --location --silent --show-error --retry 3 --output "$2.partial" "$1"
}

check_and_place() {  # FILE SIZE SHA256 GITOID: verifies FILE.partial, renames it to FILE
  local file=$1 size=$2 sha256=$3 gitoid=$4 actual
  actual=$(stat -c %s "$file.partial")
  [ -z "$size" ] || [ "$actual" = "$size" ] || { rm -f "$file.partial"; echo "fetch_model: $(basename "$file"): $actual bytes, the hub lists $size" >&2; exit 1; }
  if [ -n "$sha256" ]; then
    actual=$(sha256sum "$file.partial" | cut -d' ' -f1)
    [ "$actual" = "$sha256" ] || { rm -f "$file.partial"; echo "fetch_model: $(basename "$file"): sha256 $actual, the hub lists $sha256" >&2; exit 1; }
  elif [ -n "$gitoid" ]; then
    actual=$( { printf 'blob %s\0' "$(stat -c %s "$file.partial")"; cat "$file.partial"; } | sha1sum | cut -d' ' -f1)
    [ "$actual" = "$gitoid" ] || { rm -f "$file.partial"; echo "fetch_model: $(basename "$file"): git blob $actual, the hub lists $gitoid" >&2; exit 1; }
  fi
  mv "$file.partial" "$file"
  echo "$(basename "$file") $(stat -c %s "$file") bytes sha256 $(sha256sum "$file" | cut -d' ' -f1)" >>"$log"
}

echo "# fetched $id ($revision) from $endpoint on $(date -u +%FT%TZ)" >"$log"
if [ "$id" = tape_bert ]; then
  # TAPE publishes bert-base on S3 (tape/models/modeling_bert.py's archive maps), without hashes;
  # its vocabulary is the IUPAC list of tape/tokenizers.py.
  s3=${TAPE_ENDPOINT:-https://s3.amazonaws.com/songlabdata/proteindata/pytorch-models}
  fetch "$s3/bert-base-config.json" "$dest/config.json" && check_and_place "$dest/config.json" "" "" ""
  fetch "$s3/bert-base-pytorch_model.bin" "$dest/pytorch_model.bin" && check_and_place "$dest/pytorch_model.bin" "" "" ""
  printf '%s\n' '<pad>' '<mask>' '<cls>' '<sep>' '<unk>' A B C D E F G H I K L M N O P Q R S T U V W X Y Z >"$dest/vocab.txt"
else
  listing=$(curl --fail --location --silent --show-error "$endpoint/api/models/$id/tree/$revision") || {
    echo "fetch_model: cannot list $id at $endpoint (revision $revision)" >&2; exit 1; }
  # path size sha256 git-oid, for the files a bertology model folder needs.
  mapfile -t files < <(python3 - "$listing" <<'PY'
import json, re, sys
entries = [e for e in json.loads(sys.argv[1]) if e.get('type') == 'file']
names = {e['path'] for e in entries}
wanted = {'config.json', 'vocab.txt', 'spiece.model', 'tokenizer_config.json', 'special_tokens_map.json'}
if 'model.safetensors' in names:
    wanted.add('model.safetensors')
elif any(re.fullmatch(r'model-\d+-of-\d+\.safetensors', n) for n in names):
    wanted |= {n for n in names if re.fullmatch(r'model-\d+-of-\d+\.safetensors', n) or n == 'model.safetensors.index.json'}
elif 'pytorch_model.bin' in names:
    wanted.add('pytorch_model.bin')
else:
    sys.exit('fetch_model: no model.safetensors and no pytorch_model.bin in this repository')
for e in sorted(entries, key=lambda e: e['path']):
    if e['path'] in wanted:
        lfs = e.get('lfs') or {}
        print(e['path'], e.get('size', ''), lfs.get('oid', '-'), '-' if lfs else e.get('oid', '-'))
PY
  )
  printf '%s\n' "${files[@]}" | grep -q '^config.json ' || { echo "fetch_model: $id has no config.json" >&2; exit 1; }
  for entry in "${files[@]}"; do
    read -r path size sha256 gitoid <<<"$entry"
    [ "$sha256" = - ] && sha256=""
    [ "$gitoid" = - ] && gitoid=""
    echo "fetch_model: $path ($size bytes)" >&2
    fetch "$endpoint/$id/resolve/$revision/$path" "$dest/$path"
    check_and_place "$dest/$path" "$size" "$sha256" "$gitoid"
  done
fi

if [ ! -f "$dest/model.safetensors" ] && [ -f "$dest/pytorch_model.bin" ]; then
  echo "fetch_model: converting pytorch_model.bin to model.safetensors" >&2
  python3 "$here/convert_checkpoint.py" "$dest/pytorch_model.bin" "$dest/model.safetensors"
fi
if [ -n "${BERTOLOGY:-}" ]; then
  "$BERTOLOGY" attention --model "$dest" --sequence MKTAYIAKQR -o "$dest/.fetch-check.h5" --force >/dev/null
  rm -f "$dest/.fetch-check.h5"
  echo "fetch_model: $dest loads in bertology" >&2
fi
echo "fetch_model: $id is in $dest (files, sizes and sha256 in $dest/FETCHED)" >&2

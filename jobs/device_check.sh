#!/usr/bin/env bash
# The GPU path checked on a machine with an NVIDIA GPU: builds bertology twice from this tree,
# against a CUDA LibTorch with a CUDA Kokkos (build/device-cuda) and with a host Kokkos
# (build/device-host, the CPU reference), then
#   1. the golden models' attention maps on the GPU against the CPU build's (which CI checks
#      against the reference implementations), every layer, float32: max |difference| < 1e-4;
#   2. `run` on the GPU (2 ranks, each on its own GPU when there are two) against `run` on the
#      CPU, same corpus: counts equal up to the entries whose α lies within float32 rounding
#      of a θ, which the script prints (relative difference of every count < 1e-3);
#   3. `bench` of an ESM-2 650M-shaped seeded model in float32, bfloat16 and float16:
#      sequences/s, residues/s, the analysis' share and the peak device memory (nvidia-smi).
# Every figure is printed with the machine; exit status 0 only when 1 and 2 hold.
#
#   CUDA_PREFIX=/path/to/libtorch:/path/to/kokkos-cuda HOST_PREFIX=/path/to/libtorch:/path/to/kokkos-host \
#     bash jobs/device_check.sh
# The prefixes are CMAKE_PREFIX_PATH lists (env/spack.yaml's cuda and cpu environments give them);
# HDF5 (parallel), Open MPI, Boost and GoogleTest come from the system as for the CPU build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
: "${CUDA_PREFIX:?CMAKE_PREFIX_PATH with a CUDA LibTorch and a Kokkos built with Kokkos_ENABLE_CUDA}"
: "${HOST_PREFIX:?CMAKE_PREFIX_PATH with a LibTorch and a host (Serial or OpenMP) Kokkos}"
JOBS=${JOBS:-$(nproc)}
W=${WORK:-$(mktemp -d)}
MPIRUN=(mpirun -np 2 --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
status=0

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores;" \
     "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | paste -sd ';')"
for variant in cuda host; do
  prefix=CUDA_PREFIX; [ $variant = host ] && prefix=HOST_PREFIX
  cmake -S "$here" -B "$here/build/device-$variant" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="${!prefix}" -DBUILD_TESTING=OFF >"$W/configure-$variant.log"
  cmake --build "$here/build/device-$variant" -j "$JOBS" --target bertology >"$W/build-$variant.log"
done
GPU_BIN=$here/build/device-cuda/src/apps/bertology
CPU_BIN=$here/build/device-host/src/apps/bertology

echo "== 1. golden attention maps, GPU against CPU"
for arch in tape_bert prot_bert prot_albert prot_xlnet esm2; do
  ids=$(h5dump -d /examples/0/input_ids -y -w 0 "$here/tests/data/golden/$arch/expected.h5" 2>/dev/null |
        sed -n '/DATA {/,/}/p' | grep -o '[0-9-]\+' | paste -sd,)
  [ -n "$ids" ] || { echo "  $arch: no input ids in tests/data/golden/$arch/expected.h5"; status=1; continue; }
  "$GPU_BIN" attention --model "$here/tests/data/golden/$arch" --input-ids "$ids" -o "$W/$arch-gpu.h5" --force
  CUDA_VISIBLE_DEVICES= "$CPU_BIN" attention --model "$here/tests/data/golden/$arch" --input-ids "$ids" \
    -o "$W/$arch-cpu.h5" --force
  if h5diff -d 1e-4 "$W/$arch-gpu.h5" "$W/$arch-cpu.h5" /attentions /attentions >/dev/null; then
    echo "  $arch: every entry within 1e-4 ($(h5dump -a /device "$W/$arch-gpu.h5" | grep -o 'cuda:[0-9]*'))"
  else
    echo "  $arch: GPU maps differ from the CPU's by more than 1e-4"; status=1
  fi
done

echo "== 2. run on the GPU against run on the CPU"
"$CPU_BIN" make-model --arch esm2 --layers 6 --heads 20 --hidden 320 --seed 3 -o "$W/esm2-8m" --force >/dev/null
/usr/bin/python3 - "$W/proteins.fasta" <<'PY'
import random, sys
random.seed(5)
with open(sys.argv[1], "w") as f:
    for k in range(200):
        n = random.randint(30, 1000)
        f.write(">p%d\n%s\n" % (k, "".join(random.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(n))))
PY
"$CPU_BIN" prepare --quiet "$W/proteins.fasta" -o "$W/corpus.h5" --force
common=(run --quiet --model "$W/esm2-8m" --corpus "$W/corpus.h5" --thresholds 0.05,0.1,0.3 --max-residues 1000)
"${MPIRUN[@]}" "$GPU_BIN" "${common[@]}" -o "$W/gpu.h5" --force
CUDA_VISIBLE_DEVICES= "${MPIRUN[@]}" "$CPU_BIN" "${common[@]}" -o "$W/cpu.h5" --force
echo "  devices: $(h5dump -a /provenance/devices "$W/gpu.h5" 2>/dev/null | grep -o 'cuda:[0-9]*' | paste -sd' ')"
differing=$(h5diff -r "$W/gpu.h5" "$W/cpu.h5" /counts /counts | grep -c '^\[' || true)
echo "  counts that differ between GPU and CPU: $differing (entries with α within rounding of a θ)"
if ! h5diff -p 1e-3 "$W/gpu.h5" "$W/cpu.h5" /counts /counts >/dev/null; then
  echo "  a count differs by more than 0.1 %: not rounding"; status=1
fi

echo "== 3. bench on one GPU (ESM-2 650M shape: 33 layers x 20 heads, hidden 1280)"
for precision in float32 bfloat16 float16; do
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 -i 0 >"$W/memory-$precision.log" &
  sampler=$!
  "$GPU_BIN" bench --arch esm2 --layers 33 --heads 20 --hidden 1280 --sequences 256 --min-length 100 \
    --max-length 1000 --batch-size 16 --max-tokens 16384 --precision $precision | sed 's/^/  /'
  kill $sampler
  echo "  peak device memory ($precision): $(sort -n "$W/memory-$precision.log" | tail -1) MiB (nvidia-smi, whole GPU)"
done
exit $status

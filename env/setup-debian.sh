#!/usr/bin/env bash
# Installs every build, test and demo dependency of bertology on Debian bookworm.
# Idempotent: packages already present are not touched, and nothing is printed for them.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  libboost-program-options-dev
  libtrilinos-kokkos-dev
  libtorch-dev libopenblas0-pthread
  libgtest-dev
  nlohmann-json3-dev libzstd-dev
  gemmi-dev tao-pegtl-dev
  libsentencepiece-dev
  dssp
  python3-h5py python3-numpy
  chromium librsvg2-bin
  slurm-wlm munge curl
  clang libclang-rt-14-dev
  theseus-examples
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup-debian: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's LibTorch calls whatever libblas.so.3 is selected; the reference BLAS is ~30x slower
# than OpenBLAS for sgemm on these machines, so select OpenBLAS when it is not already.
blas_alt=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')
case "$blas_alt" in
  *openblas*) ;;
  *)
    candidate=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -1 || true)
    if [ -n "$candidate" ]; then
      sudo_cmd=()
      [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
      "${sudo_cmd[@]}" update-alternatives --set libblas.so.3-x86_64-linux-gnu "$candidate" >/dev/null
      echo "setup-debian: selected $candidate as libblas.so.3" >&2
    fi
    ;;
esac

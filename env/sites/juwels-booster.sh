# JUWELS Booster (Jülich Supercomputing Centre): 4 × NVIDIA A100 per node, SLURM, Open MPI.
# NOT TESTED HERE: module names from JSC's documentation (software stage 2024); check with
# `module spider` before use, stages change every year.
#   source env/sites/juwels-booster.sh
#   cmake --preset release && cmake --build --preset release
#   sbatch --account=$PROJECT --partition=booster --ntasks-per-node=4 --gpus-per-task=1 \
#          --cpus-per-task=12 jobs/run.sbatch configs/prot_bert.ini
module --force purge
module load Stages/2024
module load GCC OpenMPI CUDA
module load HDF5 Boost nlohmann_json PyTorch
# Kokkos with CUDA is not in the stage: build it once (Kokkos_ENABLE_CUDA=ON,
# Kokkos_ARCH_AMPERE80=ON) and point CMake at it.
export CMAKE_PREFIX_PATH=${KOKKOS_ROOT:-$HOME/opt/kokkos-cuda}:$(python -c 'import torch; print(torch.utils.cmake_prefix_path)'):${CMAKE_PREFIX_PATH:-}
export BERTOLOGY_SRUN_MPI=pspmix   # JSC's srun plugin for its Open MPI builds
export BERTOLOGY=$PWD/build/release/src/apps/bertology

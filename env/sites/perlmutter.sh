# Perlmutter (NERSC): 4 × NVIDIA A100 per GPU node, SLURM. NOT TESTED HERE: module names from
# NERSC's documentation (2024); check with `module avail` before use.
#   source env/sites/perlmutter.sh
#   cmake --preset release && cmake --build --preset release
#   sbatch --account=$ACCOUNT --constraint=gpu --qos=regular --ntasks-per-node=4 --gpus-per-task=1 \
#          --cpus-per-task=32 jobs/run.sbatch configs/esm2_t33_650M.ini
module load PrgEnv-gnu
module load openmpi cudatoolkit
module load cray-hdf5-parallel
module load pytorch
module load kokkos   # NERSC's Kokkos build for the A100s (Kokkos_ENABLE_CUDA)
export CMAKE_PREFIX_PATH=$(python -c 'import torch; print(torch.utils.cmake_prefix_path)'):${CMAKE_PREFIX_PATH:-}
export BERTOLOGY_SRUN_MPI=pmix
export BERTOLOGY=$PWD/build/release/src/apps/bertology

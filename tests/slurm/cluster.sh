#!/usr/bin/env bash
# A one-node SLURM cluster on localhost for the job-script tests: its own munged (private key
# and socket), slurmctld and slurmd from Debian's slurm-wlm, configured under a state directory
# (no cgroups, no accounting database, nothing under /etc touched).
#   cluster.sh start DIR    starts the daemons, waits until the node is idle; exit 77 when
#                           slurm or munge is not installed or cannot start here (ctest: skipped)
#   cluster.sh stop DIR     stops every daemon it started and removes DIR
#   cluster.sh env DIR      prints the environment that points the SLURM commands at it
set -euo pipefail
action=${1:?start|stop|env} DIR=${2:?state directory}
here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "skipped: $*" >&2; exit 77; }

free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free TCP port found" >&2
  return 1
}

start() {
  for program in munged slurmctld slurmd sbatch scontrol squeue; do
    command -v "$program" >/dev/null || skip "$program not installed (Debian: apt-get install slurm-wlm munge)"
  done
  [ "$(id -u)" -eq 0 ] || skip "the local slurmd must run as root to start jobs"
  rm -rf "$DIR"
  mkdir -p "$DIR"/{state,spool,log}
  DIR=$(cd "$DIR" && pwd)
  head -c 1024 /dev/urandom > "$DIR/munge.key"
  chmod 400 "$DIR/munge.key"
  munged --force --key-file="$DIR/munge.key" --socket="$DIR/munge.socket" --pid-file="$DIR/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munged.seed" || skip "munged does not start: $(tail -2 "$DIR/log/munged.log" 2>/dev/null)"

  local node ctld_port slurmd_port cpus memory
  node=$(hostname -s)
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  cpus=$(nproc)
  memory=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
  sed -e "s|@DIR@|$DIR|g" -e "s|@NODE@|$node|g" -e "s|@CTLD_PORT@|$ctld_port|g" \
      -e "s|@SLURMD_PORT@|$slurmd_port|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEMORY@|$memory|g" \
      "$here/slurm.conf.in" > "$DIR/slurm.conf"
  echo "export SLURM_CONF=$DIR/slurm.conf" > "$DIR/env"

  export SLURM_CONF=$DIR/slurm.conf
  slurmctld -f "$DIR/slurm.conf" || skip "slurmctld does not start: $(tail -3 "$DIR/log/slurmctld.log" 2>/dev/null)"
  slurmd -f "$DIR/slurm.conf" || skip "slurmd does not start: $(tail -3 "$DIR/log/slurmd.log" 2>/dev/null)"
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      echo "local SLURM cluster up: node $node, $cpus CPUs, ports $ctld_port/$slurmd_port, state in $DIR" >&2
      return 0
    fi
    sleep 1
  done
  echo "the node did not become idle within 60 s:" >&2
  sinfo -N -l >&2 || true
  tail -5 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
  stop
  skip "slurm started but its node never became idle here"
}

stop() {
  [ -d "$DIR" ] || return 0
  export SLURM_CONF=$DIR/slurm.conf
  [ -f "$DIR/slurm.conf" ] && scancel --quiet --full -u "$(id -un)" 2>/dev/null || true
  local pidfile pid
  for pidfile in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munged.pid"; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # Job steps slurmd started (slurmstepd) go with it; any left over are ours to end.
  pkill -f "slurmstepd.*$DIR" 2>/dev/null || true
  rm -rf "$DIR"
}

case $action in
  start) start ;;
  stop) stop ;;
  env) cat "$DIR/env" ;;
  *) echo "usage: cluster.sh start|stop|env DIR" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A θ × model sweep on SLURM from one INI file:
#   bash jobs/sweep.sh SWEEP.ini
# submits one job-array task per (model, corpus) — every θ of the list counted in the same pass —
# and, per corpus, a merge job that starts when every task of the array has succeeded
# (--dependency=afterok). Prints the job ids. Run it again after a failure or a change: results
# that exist are skipped, and only the missing ones and the merge are submitted.
#
# SWEEP.ini (key = value; lists separated by commas or spaces; # starts a comment):
#   models      = configs/prot_bert.ini configs/tape_bert.ini    model settings (configs/*.ini)
#   corpora     = corpus.h5                                      one or more corpus files
#   thresholds  = 0.1,0.2,0.3,0.4,0.5                            all counted in one pass
#   properties  = contact,binding_site,ptm,ss4,aa                (optional)
#   output      = sweep                                          directory for results and logs
#   run_args    = --groups 50 --null 19                          (optional) more `run` options
#   sbatch_args = --time=04:00:00 --ntasks-per-node=4 --gpus-per-task=1   (optional)
# BERTOLOGY names the executable (default: bertology on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sweep_ini=${1:?usage: jobs/sweep.sh SWEEP.ini}
[ -f "$sweep_ini" ] || { echo "sweep: no file $sweep_ini" >&2; exit 2; }

setting() {  # the value of key $1 in the INI, "" when absent
  awk -F= -v key="$1" '
    /^[[:space:]]*[#;]/ { next }
    { name = $1; gsub(/[[:space:]]/, "", name) }
    name == key { sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]+$/, ""); print; exit }' "$sweep_ini"
}
words() { tr ',' ' ' <<<"$1"; }

read -r -a models <<<"$(words "$(setting models)")"
read -r -a corpora <<<"$(words "$(setting corpora)")"
thresholds=$(setting thresholds)
properties=$(setting properties)
output=$(setting output)
run_args=$(setting run_args)
sbatch_args=$(setting sbatch_args)
((${#models[@]})) || { echo "sweep: $sweep_ini names no models" >&2; exit 2; }
((${#corpora[@]})) || { echo "sweep: $sweep_ini names no corpora" >&2; exit 2; }
[ -n "$thresholds" ] || { echo "sweep: $sweep_ini names no thresholds" >&2; exit 2; }
output=${output:-sweep}
for file in "${models[@]}" "${corpora[@]}"; do
  [ -f "$file" ] || { echo "sweep: $sweep_ini names $file, which does not exist" >&2; exit 2; }
done
mkdir -p "$output"
output=$(cd "$output" && pwd)

stem() { local name; name=$(basename "$1"); echo "${name%.*}"; }
tasks="$output/tasks-$(date -u +%Y%m%dT%H%M%S)-$$.txt"
: >"$tasks"
declare -A results_of  # corpus → its results, in model order
skipped=0
for corpus in "${corpora[@]}"; do
  for model in "${models[@]}"; do
    result="$output/$(stem "$model")__$(stem "$corpus").h5"
    results_of[$corpus]+=" $result"
    if [ -f "$result" ]; then
      echo "sweep: $result exists, skipped" >&2
      skipped=$((skipped + 1))
      continue
    fi
    echo "$(realpath "$model") $result $(realpath "$corpus")" >>"$tasks"
  done
done
count=$(wc -l <"$tasks")

export BERTOLOGY_TASKS=$tasks BERTOLOGY_THRESHOLDS=$thresholds BERTOLOGY_PROPERTIES=$properties
export BERTOLOGY_RUN_ARGS=$run_args
dependency=()
if [ "$count" -gt 0 ]; then
  # shellcheck disable=SC2086  # the extra options are words by design
  array=$(sbatch --parsable --array=0-$((count - 1)) --job-name=bertology-sweep --chdir="$output" \
            --output="$output/%x-%A_%a.log" $sbatch_args "$here/run.sbatch")
  array=${array%%;*}
  echo "sweep: array job $array: $count task(s) ($skipped result(s) already there); tasks in $tasks"
  dependency=(--dependency="afterok:$array")
else
  rm -f "$tasks"
  echo "sweep: every result exists ($skipped)"
fi
for corpus in "${corpora[@]}"; do
  sweep="$output/sweep__$(stem "$corpus").h5"
  if [ "$count" -eq 0 ] && [ -f "$sweep" ]; then
    echo "sweep: $sweep exists, nothing to merge"
    continue
  fi
  # shellcheck disable=SC2086  # the result list is words by design
  merge=$(sbatch --parsable "${dependency[@]}" --chdir="$output" --output="$output/%x-%j.log" \
            "$here/merge.sbatch" "$sweep" ${results_of[$corpus]})
  echo "sweep: merge job ${merge%%;*} -> $sweep"
done

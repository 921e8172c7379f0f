#!/usr/bin/env bash
# Every file of the repository that a config, a job script, an environment file or the README
# names (configs/..., jobs/..., env/..., tests/..., docs/...) exists.
set -euo pipefail
SRC=$1
cd "$SRC"
missing=0
while read -r source name; do
  [ -e "$name" ] || { echo "$source names $name, which does not exist"; missing=1; }
done < <(grep -oE '(^|[^A-Za-z0-9_./$-])(configs|jobs|env|tests|docs)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' -r configs jobs env \
           README.md --include='*.ini' --include='*.sh' --include='*.sbatch' --include='*.yaml' --include='*.py' \
           --include='README.md' | sed -E 's/:([^A-Za-z0-9_./$-])?/ /' | sort -u)
[ $missing -eq 0 ] && echo "every named file exists"
exit $missing

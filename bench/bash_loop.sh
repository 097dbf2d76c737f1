#!/usr/bin/env bash
# The no-op loop as a plain bash while loop: six no-op commands and a git commit per iteration, no
# durability at all. Prints ms/iteration. Usage: bash_loop.sh N
set -euo pipefail
n="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cd "$dir"
git init -q -b main .
git -c user.name=b -c user.email=b@x.invalid commit -q --allow-empty -m base
start=$(date +%s%N)
i=0
while [ "$i" -lt "$n" ]; do
  for step in discover plan make check gate reflect; do sh -c true; done
  echo "$i" >> log.txt
  git add -A && git -c user.name=b -c user.email=b@x.invalid commit -q -m "iteration $i"
  i=$((i + 1))
done
end=$(date +%s%N)
awk -v s="$start" -v e="$end" -v n="$n" 'BEGIN { printf "%.3f\n", (e - s) / 1e6 / n }'

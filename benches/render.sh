#!/usr/bin/env bash
# `obsctl render` of 1000 generated services as a process: wall time and
# peak RSS of the release binary (the whole command, writing its files),
# timed by farm-bench (tool library) when it is installed, else by
# /usr/bin/time. Targets on the 2-core machine: <= 0.4 s and <= 60 MB
# (see the issue-18 closing note for the figures and the machine).
#
#   benches/render.sh [SERVICES]      # default 1000
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
cargo build --release --quiet --bin obsctl --example gen-catalogue
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/gen-catalogue --services "$n" --out "$work/gen" > /dev/null
cmd=(target/release/obsctl -d "$work/gen" render --out "$work/snapshots")
"${cmd[@]}" > /dev/null   # cold: writes every file (I/O bound)
if command -v farm-bench > /dev/null; then
  farm-bench -n 10 -- "${cmd[@]}"
else
  for _ in 1 2 3 4 5; do /usr/bin/time -f "%e s  %M KB" "${cmd[@]}" > /dev/null; done
fi

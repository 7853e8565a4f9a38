#!/usr/bin/env bash
# Wall time and AWS calls of apply and plan against fakecloud for generated
# catalogues (default: 50 and 500 services).
#   benches/emulator.sh [N ...]
# Rates are unlimited (--rate-limit none): the emulator does not throttle.
# Under AWS's default quotas the floor is set by the slowest API, e.g.
# PutMetricAlarm at 3/s: 5 alarms per service → ~1.7 s per service.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 500)

cargo build --release --quiet --bin obsctl --example gen-catalogue
bin=${CARGO_TARGET_DIR:-target}/release
url=$(scripts/emulator start)
trap 'scripts/emulator stop' EXIT
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
work=$(mktemp -d)

for n in "${sizes[@]}"; do
  dir="$work/gen$n"
  "$bin/examples/gen-catalogue" --services "$n" --out "$dir" > /dev/null
  # Each size gets its own project name, so runs do not see each other.
  sed -i "s/^project: gen$/project: gen$n/" "$dir/obsctl.yaml"
  for step in apply plan; do
    args=("$step" --env staging --endpoint-url "$url" --rate-limit none --verbose)
    [ "$step" = apply ] && args+=(--auto-approve)
    start=$(date +%s.%N)
    "$bin/obsctl" -d "$dir" "${args[@]}" > "$work/$step$n.log" 2>&1 || { cat "$work/$step$n.log"; exit 1; }
    end=$(date +%s.%N)
    calls=$(grep -E '^AWS calls:' "$work/$step$n.log" | awk '{print $3}')
    printf '%5s services  %-5s  %6.2f s  %6s AWS calls\n' "$n" "$step" "$(echo "$end - $start" | bc)" "$calls"
    grep -E '^  (cloudwatch|logs|sns|sts):' "$work/$step$n.log" | sed 's/^/      /'
    if [ "$step" = plan ] && ! grep -q '^No changes' "$work/$step$n.log"; then
      echo "plan after apply is not empty:" >&2; cat "$work/$step$n.log" >&2; exit 1
    fi
  done
done
rm -rf "$work"

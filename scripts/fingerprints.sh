#!/usr/bin/env bash
# Fingerprints of every shipped scenario's outputs, for checking that a change is bit-identical.
#
#   scripts/fingerprints.sh BUILD/bin/trafficsim > before.txt    # on the old build
#   scripts/fingerprints.sh BUILD/bin/trafficsim > after.txt     # on the new build
#   diff before.txt after.txt                                     # empty: nothing changed
#
# Each scenario runs with its own seed on 1 and on 2 threads, and with each signal policy on
# hangzhou_peak (so every policy's code path is covered). A line per run gives the SHA-256 of
# trips.csv, timeseries.csv, passengers.csv and fleet.csv where written, and of summary.json with
# the wall-time fields removed (they are the only fields that vary between identical runs). A
# restructuring that claims to change nothing must leave this output unchanged.
#
# Options (environment): DURATION=S shortens every run (default: the scenario's own duration);
# SCENARIOS="a b" limits the scenarios (names under scenarios/).
set -euo pipefail

bin=${1:?usage: scripts/fingerprints.sh PATH/TO/trafficsim}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

scenarios=${SCENARIOS:-$(ls scenarios/*.toml | xargs -n1 basename | sed 's/\.toml$//')}
duration_args=()
[ -n "${DURATION:-}" ] && duration_args=(--duration "$DURATION")

fingerprint() {  # name, then trafficsim run arguments
  local name=$1; shift
  local out="$work/$name"
  "$bin" run "$@" "${duration_args[@]}" --out "$out" > /dev/null 2> "$work/stderr" || {
    echo "$name: run failed"; cat "$work/stderr" >&2; return 1; }
  local line="$name"
  for f in trips.csv timeseries.csv passengers.csv fleet.csv line_stops.csv; do
    [ -f "$out/$f" ] && line+=" $f=$(sha256sum < "$out/$f" | cut -c1-16)"
  done
  # summary.json without its wall-time and speed fields.
  local summary
  summary=$(python3 -c '
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items()
                if not any(w in k for w in ("wall", "updates_per_s", "real_time", "realtime", "profile"))}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
print(json.dumps(strip(json.load(open(sys.argv[1]))), sort_keys=True))' "$out/summary.json" | sha256sum | cut -c1-16)
  echo "$line summary=$summary"
}

for s in $scenarios; do
  # Scenarios on third-party data that may not be copied (../shared) are skipped where it is absent.
  if grep -q '^[a-z_]* *= *\[*"\.\./\.\./shared/' "scenarios/$s.toml" && [ ! -d ../shared/data ]; then
    echo "$s: skipped (its data in ../shared is absent)"
    continue
  fi
  fingerprint "$s/t1" "scenarios/$s.toml" --threads 1
  fingerprint "$s/t2" "scenarios/$s.toml" --threads 2
done
if [ -z "${SCENARIOS:-}" ]; then
  for p in fixed_time webster green_wave actuated sotl max_pressure lookahead_pressure; do
    fingerprint "hangzhou_peak/$p" scenarios/hangzhou_peak.toml --policy "$p" --threads 2
  done
fi

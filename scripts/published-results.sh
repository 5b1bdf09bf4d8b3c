#!/usr/bin/env bash
# Our side of docs/published-results.md (issue 12): `trafficsim compare --protocol cityflow` on the
# shipped CityFlow benchmark datasets (Jinan JN-1..3, Hangzhou HZ-1, HZ-2 and the 5,734-vehicle
# flow, New York 16x3) with the baselines the papers report, one hour each as in the papers, and
# one table of CityFlow's average travel time (finished vehicles plus every vehicle still in the
# network or waiting to enter, with its time so far; docs/protocols.md).
#
#   scripts/published-results.sh build/ci/bin/trafficsim
#
# Options (environment), with their defaults:
#   POLICIES="fixed_time max_pressure sotl"   the policies (columns), in this order
#   DATASETS="JN-1 JN-2 JN-3 HZ-1 HZ-2 HZ-5734 NY-16x3"   the datasets (rows), labels below
#   SEEDS=1          seeds per run (the datasets' demand is exact and CityFlow's runs are
#                    deterministic, so one seed is the papers' setting; more only repeat it)
#   SENSING=oracle   the papers' environments give policies the exact state (docs/sensing.md)
#   JOBS=0           runs in parallel (0: one per core)
#   DURATION=        shorter runs than the papers' 3,600 s, for a quick look (not for figures)
#   OUT=results/published-results   one `compare` folder per dataset, table.md and table.csv
#
# Exit codes: 0 done; 2 bad usage or input (an unknown dataset label, a failed compare).
set -euo pipefail

bin=${1:?usage: scripts/published-results.sh PATH/TO/trafficsim}
[ -x "$bin" ] || { echo "published-results: '$bin' is not an executable trafficsim" >&2; exit 2; }
bin=$(realpath "$bin")
cd "$(dirname "$0")/.."

policies=${POLICIES:-fixed_time max_pressure sotl}
datasets=${DATASETS:-JN-1 JN-2 JN-3 HZ-1 HZ-2 HZ-5734 NY-16x3}
seeds=${SEEDS:-1}
sensing=${SENSING:-oracle}
jobs=${JOBS:-0}
out=${OUT:-results/published-results}

# Label -> the shipped scenario and, for the flows no scenario names, the flow file (paths from the
# repository root, as --set reads them from the current directory).
scenario_of() {
  case $1 in
    JN-1) echo "jinan_real" ;;
    JN-2) echo "jinan_real maps/jinan_3x4/anon_3_4_jinan_real_2000.json" ;;
    JN-3) echo "jinan_real maps/jinan_3x4/anon_3_4_jinan_real_2500.json" ;;
    HZ-1) echo "hangzhou_real" ;;
    HZ-2) echo "hangzhou_peak" ;;
    HZ-5734) echo "hangzhou_real maps/hangzhou_4x4/anon_4_4_hangzhou_real_5734.json" ;;
    NY-16x3) echo "newyork_16x3" ;;
    *) echo "published-results: unknown dataset '$1' (known: JN-1 JN-2 JN-3 HZ-1 HZ-2 HZ-5734 NY-16x3)" >&2
       return 2 ;;
  esac
}
# Check every label before running anything.
for d in $datasets; do scenario_of "$d" > /dev/null || exit 2; done

mkdir -p "$out"
policy_list=$(echo "$policies" | tr ' ' ',')
extra=()
[ -n "${DURATION:-}" ] && extra=(--duration "$DURATION")
for d in $datasets; do
  read -r scenario flow <<< "$(scenario_of "$d")"
  set_flow=()
  [ -n "${flow:-}" ] && set_flow=(--set "demand.cityflow_flows=$flow")
  echo "published-results: $d ($scenario${flow:+ with $flow})" >&2
  if ! "$bin" compare "scenarios/$scenario.toml" --protocol cityflow --sensing "$sensing" \
      --policies "$policy_list" --seeds "$seeds" --jobs "$jobs" "${extra[@]}" "${set_flow[@]}" \
      --out "$out/$d" -q; then
    echo "published-results: trafficsim compare failed on $d" >&2
    exit 2
  fi
done

python3 - "$out" "$seeds" "$sensing" "${DURATION:-}" "$policies" $datasets <<'PY'
import csv, os, statistics, sys
out, seeds, sensing, duration, policies = sys.argv[1:6]
policies = policies.split()
datasets = sys.argv[6:]
rows, md_rows, never_rows = [], [], []
for d in datasets:
    with open(os.path.join(out, d, "results.csv")) as f:
        runs = list(csv.DictReader(f))
    scenario = runs[0]["scenario"]
    vehicles = int(runs[0]["spawned"])
    cells, never = [], []
    for p in policies:
        mine = [r for r in runs if r["policy"] == p]
        tt = statistics.mean(float(r["mean_travel_time_with_unfinished_s"]) for r in mine)
        waiting = statistics.mean(int(r["waiting_to_enter"]) for r in mine)
        teleported = sum(int(r["teleported"]) for r in mine)
        rows.append({"dataset": d, "scenario": scenario, "vehicles": vehicles, "policy": p,
                     "mean_travel_time_with_unfinished_s": f"{tt:.2f}",
                     "mean_travel_time_s": f"{statistics.mean(float(r['mean_travel_time_s']) for r in mine):.2f}",
                     "arrived": f"{statistics.mean(int(r['arrived']) for r in mine):.0f}",
                     "waiting_to_enter": f"{waiting:.0f}", "teleported": teleported,
                     "seeds": len(mine), "protocol": mine[0]["protocol"], "sensing": mine[0]["sensing"]})
        cells.append(f"{tt:.1f}")
        never.append(f"{waiting:.0f}")
    md_rows.append(f"| {d} | {scenario} | {vehicles} | " + " | ".join(cells) + " |")
    never_rows.append(f"| {d} | " + " | ".join(never) + " |")
with open(os.path.join(out, "table.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
cmd = (f"SEEDS={seeds} SENSING={sensing}" + (f" DURATION={duration}" if duration else "")
       + (f" POLICIES='{' '.join(policies)}'" if policies != ["fixed_time", "max_pressure", "sotl"] else "")
       + " scripts/published-results.sh build/ci/bin/trafficsim")
md = ["Generated by:", "", "```sh", cmd, "```", "",
      f"`trafficsim compare --protocol cityflow --sensing {sensing}`, {duration or 3600} s per run, "
      f"seeds 1–{seeds}. Average travel time in seconds, CityFlow's definition "
      "(`mean_travel_time_with_unfinished_s`: finished vehicles with their travel time, every other "
      "vehicle due to depart with its time so far, including those still waiting to enter):", "",
      "| dataset | scenario | vehicles | " + " | ".join(policies) + " |",
      "|---|---|---:|" + "---:|" * len(policies)]
md += md_rows
md += ["", "Vehicles still waiting to enter at the end of the hour (counted above with their whole wait):", "",
       "| dataset | " + " | ".join(policies) + " |", "|---|" + "---:|" * len(policies)]
md += never_rows
md += [""]
with open(os.path.join(out, "table.md"), "w") as f:
    f.write("\n".join(md))
print("\n".join(md))
PY

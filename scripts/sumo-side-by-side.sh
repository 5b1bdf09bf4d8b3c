#!/usr/bin/env bash
# Runs SUMO (Debian's sumo, 1.15 on Debian 12) and trafficsim on the same .sumocfg files and prints,
# per scenario, side by side: vehicles arrived, teleports, mean travel time of arrived vehicles
# (from insertion to arrival, SUMO's tripinfo "duration"), mean depart delay, wall time and
# vehicle-updates per second.
#
#   scripts/sumo-side-by-side.sh [--trafficsim PATH] [--out DIR] [--validate] X.sumocfg...
#
# Both simulators run one thread with their defaults otherwise (SUMO: Krauss; trafficsim: IDM and
# the map's programs as fixed_time). Installs SUMO with apt-get when it is missing.
set -euo pipefail

trafficsim="$(cd "$(dirname "$0")/.." && pwd)/build/release/bin/trafficsim"
out="$(mktemp -d -t sumo-side-by-side.XXXXXX)"
validate=()
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --trafficsim) trafficsim="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --validate) validate=(--validate); shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
if [ ${#configs[@]} -eq 0 ]; then
  echo "usage: $0 [--trafficsim PATH] [--out DIR] [--validate] X.sumocfg..." >&2
  exit 2
fi
if ! command -v sumo >/dev/null; then
  echo "sumo-side-by-side: installing SUMO (apt-get install sumo sumo-tools)" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends sumo sumo-tools >&2
fi
export SUMO_HOME="${SUMO_HOME:-/usr/share/sumo}"
if [ ! -x "$trafficsim" ]; then
  echo "sumo-side-by-side: $trafficsim not found; build it: cmake --preset release && cmake --build build/release --target trafficsim" >&2
  exit 2
fi
mkdir -p "$out"

printf '%-14s %-11s %8s %9s %10s %11s %9s %12s\n' scenario simulator arrived teleports "travel_s" "depart_dly" "wall_s" "veh-upd/s"
for cfg in "${configs[@]}"; do
  name="$(basename "$cfg" .sumocfg)"
  dir="$out/$name"
  mkdir -p "$dir"

  # SUMO: statistics file for counts and means, its own log for wall time and updates per second.
  # Options given here override the configuration's (some game configurations disable the log).
  sumo -c "$cfg" --no-step-log --duration-log.disable false --duration-log.statistics --threads 1 \
       --statistic-output "$dir/sumo.stats.xml" --tripinfo-output "$dir/sumo.tripinfo.xml" \
       >"$dir/sumo.log" 2>&1 || { echo "$name: SUMO failed, see $dir/sumo.log" >&2; continue; }

  ts_status=0
  "$trafficsim" run "$cfg" --threads 1 "${validate[@]}" --out "$dir/trafficsim" >"$dir/trafficsim.log" 2>&1 || ts_status=$?

  python3 - "$name" "$dir" "$ts_status" <<'EOF'
import csv, json, re, sys
import xml.etree.ElementTree as ET

name, d, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
row = '{:<14} {:<11} {:>8} {:>9} {:>10} {:>11} {:>9} {:>12}'

stats = ET.parse(f'{d}/sumo.stats.xml').getroot()
trips = stats.find('vehicleTripStatistics').attrib
log = open(f'{d}/sumo.log').read()
wall = float(re.search(r'Duration: ([0-9.]+)s', log).group(1))
ups = float(re.search(r'UPS: ([0-9.]+)', log).group(1))
print(row.format(name, 'sumo-1.15', trips['count'], stats.find('teleports').get('total'),
                 f"{float(trips['duration']):.1f}", f"{float(trips['departDelay']):.1f}", f'{wall:.2f}', f'{ups:,.0f}'))

if status != 0:
    print(row.format(name, 'trafficsim', f'exit {status}', '-', '-', '-', '-', '-'))
    sys.exit(0)
summary = json.load(open(f'{d}/trafficsim/summary.json'))
travel, delay = [], []
with open(f'{d}/trafficsim/trips.csv') as f:
    for t in csv.DictReader(f):
        if t['arrive_s'] and t['enter_s']:
            travel.append(float(t['arrive_s']) - float(t['enter_s']))
            delay.append(float(t['enter_s']) - float(t['depart_s']))
mean = lambda xs: sum(xs) / len(xs) if xs else float('nan')
v = summary['vehicles']
print(row.format(name, 'trafficsim', v['arrived'], v['teleported'], f'{mean(travel):.1f}', f'{mean(delay):.1f}',
                 f"{summary['wall_seconds']:.2f}", f"{summary['vehicle_updates_per_second']:,.0f}"))
EOF
done
echo "(outputs in $out)"

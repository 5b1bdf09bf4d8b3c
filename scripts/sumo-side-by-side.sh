#!/usr/bin/env bash
# Runs SUMO (Debian's sumo, 1.15 on Debian 12) and trafficsim on the same .sumocfg files and prints,
# per scenario, side by side: vehicles arrived, teleports, mean travel time of arrived vehicles
# (from insertion to arrival, SUMO's tripinfo "duration"), their mean depart delay and time loss
# (tripinfo "departDelay" and "timeLoss"), RESCO's average delay over every vehicle due to depart
# (time loss + depart delay, unfinished trips included, end - departure for those never
# inserted; docs/metrics.md), wall time and vehicle-updates per second.
#
#   scripts/sumo-side-by-side.sh [--trafficsim PATH] [--out DIR] [--reuse-sumo] [--validate] X.sumocfg...
#
# --reuse-sumo keeps SUMO's outputs of an earlier run into the same --out DIR (SUMO is slow on a
# small machine; its results do not change with trafficsim).
#
# Both simulators run one thread with their defaults otherwise (SUMO: Krauss; trafficsim: the
# reader's types and the map's programs under map_program). A configuration that does not exist is
# skipped with a message (the RESCO files live outside the repository). Installs SUMO with
# apt-get when it is missing.
set -euo pipefail

trafficsim="$(cd "$(dirname "$0")/.." && pwd)/build/release/bin/trafficsim"
out="$(mktemp -d -t sumo-side-by-side.XXXXXX)"
validate=()
reuse_sumo=0
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --trafficsim) trafficsim="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --validate) validate=(--validate); shift ;;
    --reuse-sumo) reuse_sumo=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
if [ ${#configs[@]} -eq 0 ]; then
  echo "usage: $0 [--trafficsim PATH] [--out DIR] [--reuse-sumo] [--validate] X.sumocfg..." >&2
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

printf '%-14s %-11s %8s %9s %9s %10s %10s %10s %9s %12s\n' scenario simulator arrived teleports "travel_s" \
  "depart_dly" "time_loss" "resco_dly" "wall_s" "veh-upd/s"
for cfg in "${configs[@]}"; do
  name="$(basename "$cfg" .sumocfg)"
  if [ ! -f "$cfg" ]; then
    echo "$name: $cfg not found, skipped" >&2
    continue
  fi
  dir="$out/$name"
  mkdir -p "$dir"

  # SUMO: statistics file for counts and means, its own log for wall time and updates per second.
  # Options given here override the configuration's (some game configurations disable the log).
  # Unfinished trips get a tripinfo too (RESCO's setting), so that RESCO's delay can count them.
  if [ "$reuse_sumo" = 1 ] && [ -f "$dir/sumo.stats.xml" ] && [ -f "$dir/sumo.log" ]; then
    echo "$name: SUMO's outputs of an earlier run reused" >&2
  else
    sumo -c "$cfg" --no-step-log --duration-log.disable false --duration-log.statistics --threads 1 \
         --statistic-output "$dir/sumo.stats.xml" --tripinfo-output "$dir/sumo.tripinfo.xml" \
         --tripinfo-output.write-unfinished \
         >"$dir/sumo.log" 2>&1 || { echo "$name: SUMO failed, see $dir/sumo.log" >&2; continue; }
  fi

  ts_status=0
  "$trafficsim" run "$cfg" --threads 1 "${validate[@]}" --out "$dir/trafficsim" >"$dir/trafficsim.log" 2>&1 || ts_status=$?

  python3 - "$name" "$dir" "$ts_status" <<'EOF'
import csv, json, re, sys
import xml.etree.ElementTree as ET

name, d, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
row = '{:<14} {:<11} {:>8} {:>9} {:>9} {:>10} {:>10} {:>10} {:>9} {:>12}'
mean = lambda xs: sum(xs) / len(xs) if xs else float('nan')

# SUMO: one tripinfo per inserted vehicle (unfinished ones too, arrival -1); the statistics give
# the vehicles never inserted and their mean wait since their departure time (departDelayWaiting).
stats = ET.parse(f'{d}/sumo.stats.xml').getroot()
trips = [t.attrib for t in ET.parse(f'{d}/sumo.tripinfo.xml').getroot().iter('tripinfo')]
done = [t for t in trips if float(t['arrival']) >= 0]
never = int(stats.find('vehicles').get('waiting'))
never_delay = float(stats.find('vehicleTripStatistics').get('departDelayWaiting'))
resco = (sum(float(t['timeLoss']) + float(t['departDelay']) for t in trips) + never * never_delay) / max(1, len(trips) + never)
log = open(f'{d}/sumo.log').read()
wall = float(re.search(r'Duration: ([0-9.]+)s', log).group(1))
ups = float(re.search(r'UPS: ([0-9.]+)', log).group(1))
print(row.format(name, 'sumo-1.15', len(done), stats.find('teleports').get('total'),
                 f"{mean([float(t['duration']) for t in done]):.1f}", f"{mean([float(t['departDelay']) for t in done]):.1f}",
                 f"{mean([float(t['timeLoss']) for t in done]):.1f}", f'{resco:.1f}', f'{wall:.2f}', f'{ups:,.0f}'))

if status != 0:
    print(row.format(name, 'trafficsim', f'exit {status}', '-', '-', '-', '-', '-', '-', '-'))
    sys.exit(0)
summary = json.load(open(f'{d}/trafficsim/summary.json'))
end = summary['sim_seconds']
travel, delay, loss, resco = [], [], [], []
with open(f'{d}/trafficsim/trips.csv') as f:
    for t in csv.DictReader(f):
        if t['enter_s']:
            resco.append(float(t['time_loss_s']) + float(t['depart_delay_s']))
        else:
            resco.append(end - float(t['depart_s']))
        if t['arrive_s'] and t['enter_s']:
            travel.append(float(t['arrive_s']) - float(t['enter_s']))
            delay.append(float(t['depart_delay_s']))
            loss.append(float(t['time_loss_s']))
v = summary['vehicles']
print(row.format(name, 'trafficsim', v['arrived'], v['teleported'], f'{mean(travel):.1f}', f'{mean(delay):.1f}',
                 f'{mean(loss):.1f}', f'{mean(resco):.1f}', f"{summary['wall_seconds']:.2f}",
                 f"{summary['vehicle_updates_per_second']:,.0f}"))
EOF
done
echo "(outputs in $out)"

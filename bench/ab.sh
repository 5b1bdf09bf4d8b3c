#!/usr/bin/env bash
# Compares traffic_bench binaries (two builds, e.g. a baseline worktree and main) on the same
# scenes, alternating them scene by scene in several rounds, so that a slow spell of a shared
# machine falls on both. Prints one CSV row per round, scene and binary, then the best and the
# median of the rounds per scene and binary.
#
#   bench/ab.sh ROUNDS REPEATS "SCENE..." NAME=TRAFFIC_BENCH:SCENARIO_DIR...
#   bench/ab.sh 3 5 "grid_10x10 jinan_real" \
#       base=../baseline/build/ci/bin/traffic_bench:../baseline/scenarios \
#       main=build/ci/bin/traffic_bench:../baseline/scenarios
#
# Each cell is traffic_bench's own figure for one thread (the best of REPEATS runs). Giving both
# binaries the same scenario directory compares the engines on the same files.
#
# Environment: AB_THREADS (default 1); AB_PAUSE_NICE=N stops (SIGSTOP) every process of niceness
# N or more for the duration and resumes them at the end (background builds and fuzzers, so that
# they do not disturb the timing; yours only, unless you are root); runs at real-time priority
# (chrt -f 10) when permitted.
set -euo pipefail

if [ $# -lt 4 ]; then
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
rounds=$1 reps=$2 scenes=$3
shift 3
threads=${AB_THREADS:-1}

rt=()
if chrt -f 10 true 2> /dev/null; then rt=(chrt -f 10); fi
paused=()
if [ -n "${AB_PAUSE_NICE:-}" ]; then
  mapfile -t paused < <(ps -eo pid=,ni= | awk -v n="$AB_PAUSE_NICE" -v self=$$ '$2 != "-" && $2 >= n && $1 != self {print $1}')
  if [ ${#paused[@]} -gt 0 ]; then kill -STOP "${paused[@]}" 2> /dev/null || true; fi
fi
resume() { if [ ${#paused[@]} -gt 0 ]; then kill -CONT "${paused[@]}" 2> /dev/null || true; fi; }
trap resume EXIT

rows=$(mktemp)
trap 'resume; rm -f "$rows"' EXIT
echo "round,scene,binary,wall_s,mvu_per_s,vehicle_updates"
for r in $(seq "$rounds"); do
  for scene in $scenes; do
    for spec in "$@"; do
      name=${spec%%=*} rest=${spec#*=}
      bin=${rest%%:*} dir=${rest#*:}
      "${rt[@]}" "$bin" --scenes "$dir/$scene.toml" --threads "$threads" --repeats "$reps" 2> /dev/null | tail -1 |
        awk -F, -v b="$name" -v s="$scene" -v r="$r" '{printf "%s,%s,%s,%.4f,%.3f,%d\n", r, s, b, $4, $8 / 1e6, $7}' | tee -a "$rows"
    done
  done
done
echo
sort -t, -k2,2 -k3,3 -k5,5n "$rows" | awk -F, '
  { k = $2 " " $3; v[k] = v[k] " " $5; n[k]++; if (!(k in best) || $5 > best[k]) best[k] = $5 }
  END {
    for (k in v) {
      c = split(substr(v[k], 2), a, " ")
      med = (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
      printf "%-28s best %6.2f  median %6.2f  M updates/s  (%d rounds)\n", k, best[k], med, c
    }
  }' | sort

#!/usr/bin/env bash
# Runs one libFuzzer harness of tests/fuzz for a given time (issue 14).
#
#   scripts/fuzz.sh HARNESS SECONDS       # HARNESS: scenario_toml, cityflow, recording, requests_csv, citybrain
#   scripts/fuzz.sh all SECONDS           # each harness in turn, SECONDS each
#
# Builds the `fuzz` preset (clang, AddressSanitizer + UndefinedBehaviorSanitizer, coverage) into
# build/fuzz when needed, seeds the corpus build/fuzz/corpus/HARNESS from shipped files
# (scenarios/*.toml, maps/*/*.json, recordings of shipped scenarios made with the ci build's
# trafficsim, tests/fuzz/seeds/), runs the harness and prints its executions. A finding (crash,
# leak, sanitizer report, an exception other than LoadError) leaves the input that caused it in
# build/fuzz/findings/HARNESS/ and makes the script exit non-zero.
set -euo pipefail

harness=${1:?usage: scripts/fuzz.sh HARNESS|all SECONDS}
seconds=${2:?usage: scripts/fuzz.sh HARNESS|all SECONDS}
cd "$(dirname "$0")/.."
root=$PWD
harnesses=(scenario_toml cityflow recording requests_csv citybrain)

if [ "$harness" = all ]; then
  status=0
  for h in "${harnesses[@]}"; do "$0" "$h" "$seconds" || status=1; done
  exit $status
fi
case " ${harnesses[*]} " in *" $harness "*) ;; *) echo "fuzz.sh: unknown harness '$harness' (${harnesses[*]})" >&2; exit 2;; esac

if [ ! -f build/fuzz/build.ninja ]; then cmake --preset fuzz > /dev/null; fi
cmake --build build/fuzz --target "${harness}_fuzz" -j "${FUZZ_BUILD_JOBS:-1}" > /dev/null

corpus=build/fuzz/corpus/$harness
findings=build/fuzz/findings/$harness
mkdir -p "$corpus" "$findings"
if [ -z "$(ls -A "$corpus")" ]; then
  case $harness in
    scenario_toml) cp scenarios/*.toml "$corpus/" ;;
    cityflow)
      # Compact copies: the maps whole (whitespace removed), the flow files' first entries.
      python3 - "$corpus" maps/*/*.json <<'PY'
import json, os, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    doc = json.load(open(path))
    if isinstance(doc, list):
        doc = doc[:20]
    with open(os.path.join(out, os.path.basename(path)), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
PY
      ;;
    requests_csv) cp tests/fuzz/seeds/requests_csv/* "$corpus/" ;;
    citybrain) cp tests/data/citybrain/*.txt "$corpus/" ;;
    recording)
      # Small recordings of shipped scenarios: the reader's seeds must be real files.
      cli=${TRAFFICSIM:-build/ci/bin/trafficsim}
      [ -x "$cli" ] || { echo "fuzz.sh: recording seeds need a trafficsim build ($cli); set TRAFFICSIM" >&2; exit 2; }
      tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
      for s in grid_10x10 singapore_av; do
        "$cli" run "scenarios/$s.toml" --duration 30 --record-every 10 -q --out "$tmp/out_$s" \
          --record "$corpus/$s.tsrec" > /dev/null
      done ;;
  esac
fi

# -max_len: room for the seeds that matter (scenario files, a map, a recording) without making
# every mutation as slow as parsing a whole flow file.
case $harness in
  scenario_toml) max_len=32768 ;; requests_csv) max_len=8192 ;; cityflow) max_len=1048576 ;; recording) max_len=262144 ;; citybrain) max_len=65536 ;;
esac
log=build/fuzz/$harness.log
# The harnesses write each input to a file under the temporary folder; keep those files here.
export TMPDIR=$root/build/fuzz/tmp/$harness
mkdir -p "$TMPDIR"
set +e
"build/fuzz/fuzz/${harness}_fuzz" "$corpus" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
  -max_len="$max_len" -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1
code=$?
set -e
rm -rf "$TMPDIR"
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
echo "$harness: $execs executions in $seconds s, corpus $(ls "$corpus" | wc -l) files, exit $code (log: $log)"
if [ "$code" -ne 0 ]; then
  grep -m1 -E 'ERROR|==[0-9]+==|deadly signal|uncaught' "$log" >&2 || true
  echo "$harness: finding(s) in $root/$findings" >&2
fi
exit $code

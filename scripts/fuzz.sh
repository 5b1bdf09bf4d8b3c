#!/usr/bin/env bash
# Runs one libFuzzer harness of tests/fuzz for a given time (issue 14).
#
#   scripts/fuzz.sh HARNESS SECONDS       # HARNESS: scenario_toml, cityflow, recording, requests_csv, sumo, citybrain,
#                                         # checkpoint
#   scripts/fuzz.sh all SECONDS           # each harness in turn, SECONDS each
#
# Builds the `fuzz` preset (clang, AddressSanitizer + UndefinedBehaviorSanitizer, coverage) into
# build/fuzz when needed, seeds the corpus build/fuzz/corpus/HARNESS from shipped files
# (scenarios/*.toml, small consistent pieces of maps/*/*.json, short recordings made with the ci
# build's trafficsim, tests/data/sumo/, tests/fuzz/seeds/), runs the harness and prints its
# executions and rate. FUZZ_TIMEOUT (seconds, default 20) is the wall time one input may take
# before it counts as a hang: raise it for long runs at low priority on a busy machine, where a
# harness can be kept off the processor for longer than that. A finding (crash,
# leak, sanitizer report, an exception other than LoadError) leaves the input that caused it in
# build/fuzz/findings/HARNESS/ and makes the script exit non-zero.
set -euo pipefail

harness=${1:?usage: scripts/fuzz.sh HARNESS|all SECONDS}
seconds=${2:?usage: scripts/fuzz.sh HARNESS|all SECONDS}
cd "$(dirname "$0")/.."
root=$PWD
harnesses=(scenario_toml cityflow recording requests_csv sumo citybrain checkpoint)

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
# The checkpoint seed is made again when it is missing: corpora from before tests/fuzz/checkpoint.toml
# hold checkpoints of grid_10x10, which the harness's world refuses at once.
if [ -z "$(ls -A "$corpus")" ] || { [ "$harness" = checkpoint ] && [ ! -f "$corpus/checkpoint_at120" ]; }; then
  case $harness in
    # Small scenarios that together use every table and key (their maps are tests/fuzz/maps/, see
    # tests/fuzz/fuzz_input.h), and the shipped ones.
    scenario_toml) cp tests/fuzz/seeds/scenario_toml/*.toml scenarios/*.toml "$corpus/" ;;
    cityflow)
      # Small but consistent road networks: around each map's first signalised intersection, the
      # intersections one road away and the roads and links among them (the whole maps are
      # 0.6 to 2.5 MB, and parsing them made every execution slow). Flow files: their first
      # entries, compacted.
      python3 - "$corpus" maps/*/*.json <<'PY'
import json, os, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    doc = json.load(open(path))
    if isinstance(doc, list):
        doc = doc[:20]
    else:
        centre = next(i for i in doc["intersections"] if not i.get("virtual"))
        keep = {centre["id"]}
        for r in doc["roads"]:
            if centre["id"] in (r["startIntersection"], r["endIntersection"]):
                keep |= {r["startIntersection"], r["endIntersection"]}
        roads = [r for r in doc["roads"] if r["startIntersection"] in keep and r["endIntersection"] in keep]
        kept = {r["id"] for r in roads}
        inters = []
        for i in doc["intersections"]:
            if i["id"] not in keep:
                continue
            old = i["roadLinks"]
            index = {}
            links = []
            for k, link in enumerate(old):
                if link["startRoad"] in kept and link["endRoad"] in kept:
                    index[k] = len(links)
                    links.append(link)
            i = dict(i, roads=[r for r in i["roads"] if r in kept], roadLinks=links)
            tl = i.get("trafficLight")
            if tl:
                i["trafficLight"] = dict(tl, roadLinkIndices=[index[k] for k in tl.get("roadLinkIndices", []) if k in index],
                                         lightphases=[dict(p, availableRoadLinks=[index[k] for k in p["availableRoadLinks"] if k in index])
                                                      for p in tl["lightphases"]])
            inters.append(i)
        doc = {"intersections": inters, "roads": roads}
    with open(os.path.join(out, os.path.basename(path)), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
PY
      ;;
    sumo) cp tests/data/sumo/*.xml tests/data/sumo/*.sumocfg tests/data/sumo/bad/* "$corpus/" ;;
    requests_csv) cp tests/fuzz/seeds/requests_csv/* "$corpus/" ;;
    citybrain) cp tests/data/citybrain/*.txt "$corpus/" ;;
    checkpoint)
      # The payload (what follows the 52-byte header) of a real checkpoint of the scenario the
      # harness restores into, tests/fuzz/checkpoint.toml, taken at 120 s.
      cli=${TRAFFICSIM:-build/ci/bin/trafficsim}
      [ -x "$cli" ] || { echo "fuzz.sh: checkpoint seeds need a trafficsim build ($cli); set TRAFFICSIM" >&2; exit 2; }
      tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
      "$cli" run tests/fuzz/checkpoint.toml -q -t 1 --out "$tmp/out" --checkpoint "$tmp/at120.ckpt" --checkpoint-at 120 \
        > /dev/null
      tail -c +53 "$tmp/at120.ckpt" > "$corpus/checkpoint_at120" ;;
    recording)
      # Small recordings of shipped scenarios: the reader's seeds must be real files.
      cli=${TRAFFICSIM:-build/ci/bin/trafficsim}
      [ -x "$cli" ] || { echo "fuzz.sh: recording seeds need a trafficsim build ($cli); set TRAFFICSIM" >&2; exit 2; }
      tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
      # Small networks and few frames (a shipped scenario's recording is 0.2 to 1 MB after 10 s,
      # and the reader's cost grows with the network and the frames): a 2x2 grid with one flow and
      # a 3x3 grid with crossing flows, recorded every 5 s.
      for n in 2 3; do
        printf '[scenario]\nname = "grid%s"\nduration_s = 90\n\n[map.grid]\nrows = %s\ncolumns = %s\n\n' $n $n $n \
          > "$tmp/grid$n.toml"
        printf '[[demand.flow]]\nid = "east"\nfrom = "road_j_0_-1_j_0_0"\nto = "road_j_0_%s_j_0_%s"\nveh_per_hour = 1800\n\n' \
          $((n - 1)) $n >> "$tmp/grid$n.toml"
        printf '[[demand.flow]]\nid = "north"\nfrom = "road_j_-1_1_j_0_1"\nto = "road_j_%s_1_j_%s_1"\nveh_per_hour = 900\n' \
          $((n - 1)) $n >> "$tmp/grid$n.toml"
        "$cli" run "$tmp/grid$n.toml" --record-every 5 -q --out "$tmp/out$n" --record "$corpus/grid$n.tsrec" > /dev/null
      done ;;
  esac
fi

# -max_len: room for the seeds that matter (scenario files, a map, a recording) without making
# every mutation as slow as parsing a whole flow file.
case $harness in
  scenario_toml) max_len=8192 ;; requests_csv) max_len=4096 ;; cityflow) max_len=32768 ;; recording) max_len=65536 ;;
  sumo) max_len=16384 ;; citybrain) max_len=65536 ;;
  checkpoint) max_len=$(wc -c < "$corpus/checkpoint_at120") ;;
esac
# A dictionary of the format's words where there is one (tests/fuzz/dicts/, make_dicts.py).
dict=()
if [ -f "tests/fuzz/dicts/$harness.dict" ]; then dict=(-dict="tests/fuzz/dicts/$harness.dict"); fi
log=build/fuzz/$harness.log
# The harnesses write each input to a file under the temporary folder; keep those files here.
export TMPDIR=$root/build/fuzz/tmp/$harness
mkdir -p "$TMPDIR"
set +e
"build/fuzz/fuzz/${harness}_fuzz" "$corpus" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-20}" -rss_limit_mb=2048 \
  -max_len="$max_len" "${dict[@]}" -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1
code=$?
set -e
rm -rf "$TMPDIR"
stat() { grep -o "stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$' || echo "?"; }
echo "$harness: $(stat number_of_executed_units) executions in $seconds s ($(stat average_exec_per_sec)/s)," \
  "slowest input $(stat slowest_unit_time_sec) s, peak memory $(stat peak_rss_mb) MB, corpus $(ls "$corpus" | wc -l) files, exit $code (log: $log)"
if [ "$code" -ne 0 ]; then
  grep -m1 -E 'ERROR|==[0-9]+==|deadly signal|uncaught' "$log" >&2 || true
  echo "$harness: finding(s) in $root/$findings" >&2
fi
exit $code

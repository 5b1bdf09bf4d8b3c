#!/usr/bin/env bash
# The fair comparison of signal policies (issue 12): every tunable policy is tuned with the same
# budget on the training scenarios, then it and its defaults are scored on held-out scenarios the
# search never saw, all under realistic sensing. Writes docs/policy-comparison/fair/ (or $OUT):
# one `trafficsim tune` folder per policy, results.csv (a row per policy, held-out scenario and
# setting) and report.md (the table).
#
#   scripts/fair-comparison.sh build/ci/bin/trafficsim
#
# Options (environment), with their defaults:
#   BUDGET=9          candidates per policy (the defaults included), the same for every policy
#   ETA=3             successive halving keeps 1/ETA per rung
#   SEEDS=1           seeds per scenario, 1..SEEDS, the same for every policy (dataset demand is
#                     exact: more seeds only differ with SET randomising departures or drivers)
#   SET=              scenario overrides (key=value, space-separated) for every run, e.g.
#                     "demand.departure_jitter_s=30 dynamics.driver_variation=0.1"
#   JOBS=0            runs in parallel (0: one per core)
#   SENSING=camera    the sensing model of every run (docs/sensing.md)
#   PROTOCOL=default  the benchmark protocol of every run (docs/protocols.md)
#   DURATION=         shorter runs than the scenarios' hour, for a quick look (not for figures)
#   TRAIN="hangzhou_real hangzhou_peak"   TEST="jinan_real newyork_16x3"   (names under scenarios/)
#   POLICIES="fixed_time green_wave webster actuated sotl max_pressure lookahead_pressure"
#   OUT=docs/policy-comparison/fair
#   AGGREGATE_ONLY=1  only rebuild results.csv and report.md from the tune-* folders already in OUT
#                     (WALL_S=seconds then states the wall time of the run that made them)
set -euo pipefail

bin=${1:?usage: scripts/fair-comparison.sh PATH/TO/trafficsim}
bin=$(realpath "$bin")
cd "$(dirname "$0")/.."

budget=${BUDGET:-9}
eta=${ETA:-3}
seeds=${SEEDS:-1}
jobs=${JOBS:-0}
sensing=${SENSING:-camera}
protocol=${PROTOCOL:-default}
train=${TRAIN:-hangzhou_real hangzhou_peak}
test=${TEST:-jinan_real newyork_16x3}
policies=${POLICIES:-fixed_time green_wave webster actuated sotl max_pressure lookahead_pressure}
out=${OUT:-docs/policy-comparison/fair}

# The searched ranges: every parameter a policy accepts, over the values a traffic engineer would
# consider (Webster's saturation flow is measured from the vehicle types, so it is not searched).
ranges() {
  case $1 in
    fixed_time) echo "green_s=10:60" ;;
    green_wave) echo "design_speed_mps=6:16,green_s=10:60" ;;
    webster) echo "startup_lost_s=0:5,min_cycle_s=30:80,max_cycle_s=90:200" ;;
    actuated) echo "min_green_s=3:15,max_gap_s=1:6,max_green_s=20:90" ;;
    sotl) echo "min_green_s=3:30,threshold=10:300:log,platoon_size=0:6:int" ;;
    max_pressure) echo "min_phase_s=3:40" ;;
    lookahead_pressure)
      echo "min_phase_s=3:30,max_phase_s=30:120,approach_weight=0:2,platoon_weight=0:2,hysteresis_veh=0:6,max_wait_s=30:300:log" ;;
    *) echo "fair-comparison: no ranges for policy '$1'" >&2; exit 2 ;;
  esac
}

files() { for s in $1; do printf 'scenarios/%s.toml ' "$s"; done; }

extra=()
[ -n "${DURATION:-}" ] && extra=(--duration "$DURATION")
sets=${SET:-}
for kv in $sets; do extra+=(--set "$kv"); done

mkdir -p "$out"
start=$(date +%s)
[ -n "${AGGREGATE_ONLY:-}" ] || for p in $policies; do
  echo "fair-comparison: tuning $p" >&2
  # shellcheck disable=SC2046
  "$bin" tune "$p" --train $(files "$train") --test $(files "$test") --params "$(ranges "$p")" \
    --budget "$budget" --eta "$eta" --seeds "$seeds" --jobs "$jobs" --sensing "$sensing" --protocol "$protocol" \
    "${extra[@]}" --out "$out/tune-$p" --force
done
elapsed=$(( $(date +%s) - start ))
[ -n "${AGGREGATE_ONLY:-}" ] && elapsed=${WALL_S:-0}

# One table from the tunings' results.csv: per policy and held-out scenario, the defaults and the
# tuned parameters, and the training score of each.
python3 - "$out" "$elapsed" "$budget" "$eta" "$seeds" "$sensing" "$protocol" "$train" "$test" "${DURATION:-}" "$sets" "$jobs" $policies <<'PY'
import csv, math, os, statistics, sys
out, elapsed, budget, eta, seeds, sensing, protocol, train, test, duration, sets, jobs = sys.argv[1:13]
policies = sys.argv[13:]

# Two-sided 95% Student t quantiles by degrees of freedom (as apps/compare/src/stats.cpp).
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
        10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}
def t975(df):
    return T975.get(df) or T975[max(k for k in T975 if k <= df)]
def interval(diffs):
    m = statistics.mean(diffs)
    if len(diffs) < 2:
        return m, float("nan")
    return m, t975(len(diffs) - 1) * statistics.stdev(diffs) / math.sqrt(len(diffs))
rows, table, per_seed = [], [], {}
for p in policies:
    with open(os.path.join(out, f"tune-{p}", "results.csv")) as f:
        runs = list(csv.DictReader(f))
    with open(os.path.join(out, f"tune-{p}", "tuned.toml")) as f:
        params = [l.strip() for l in f if "=" in l and not l.startswith(("#", "policy"))]
    # The winner is the candidate the held-out runs used besides the defaults (or the defaults).
    test_runs = [r for r in runs if r["phase"] == "test"]
    best = max((int(r["candidate"]) for r in test_runs), default=0)
    full_train = [r for r in runs if r["phase"] == "train" and float(r["duration_s"]) >= max(
        float(x["duration_s"]) for x in runs if x["scenario"] == r["scenario"])]
    def score(cand, phase_rows, scenario=None):
        vals = [float(r["objective"]) for r in phase_rows if int(r["candidate"]) == cand
                and (scenario is None or r["scenario"] == scenario) and r["objective"] != ""]
        return statistics.mean(vals) if vals else float("nan")
    scenarios = list(dict.fromkeys(r["scenario"] for r in test_runs))
    for setting, cand in (("defaults", 0), ("tuned", best)):
        train_score = score(cand, full_train)
        per = {s: score(cand, test_runs, s) for s in scenarios}
        teleports = sum(int(r["teleported"] or 0) for r in test_runs if int(r["candidate"]) == cand)
        for r in test_runs:
            if int(r["candidate"]) == cand and r["objective"] != "":
                per_seed[(p, setting, r["scenario"], int(r["seed"]))] = float(r["objective"])
        for s, v in per.items():
            rows.append({"policy": p, "setting": setting, "params": " ".join(params) if setting == "tuned" else "",
                         "scenario": s, "mean_travel_time_with_unfinished_s": f"{v:.2f}",
                         "train_mean_travel_time_with_unfinished_s": f"{train_score:.2f}",
                         "sensing": sensing, "protocol": protocol, "budget": budget})
        table.append((p, setting, train_score, per, statistics.mean(per.values()) if per else float("nan"),
                      " ".join(params) if setting == "tuned" and cand != 0 else ("(defaults won)" if setting == "tuned" else "")))
with open(os.path.join(out, "results.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
scen = list(table[0][3].keys()) if table else []
cmd = f"BUDGET={budget} ETA={eta} SEEDS={seeds} JOBS={jobs} SENSING={sensing} PROTOCOL={protocol}" + \
      (f" DURATION={duration}" if duration else "") + (f" SET='{sets}'" if sets else "") + \
      " scripts/fair-comparison.sh build/ci/bin/trafficsim"
md = ["# Fair comparison: tuned on training scenarios, scored on held-out ones", "",
      "Generated by:", "", "```sh", cmd, "```", "",
      f"Every policy was tuned by `trafficsim tune` with the same budget ({budget} candidates, the defaults "
      f"included; successive halving keeping 1/{eta} per rung) on **{train}**, objective mean travel time "
      f"counting unfinished trips (`mean_travel_time_with_unfinished_s`), seeds 1–{seeds}, and then run with "
      f"its defaults and with the winner on **{test}**, which no search saw. Sensing: **{sensing}** "
      f"(docs/sensing.md); protocol: **{protocol}** (docs/protocols.md). "
      + (f"Every run also sets {', '.join('`' + kv + '`' for kv in sets.split())}, so the seeds differ. " if sets else "")
      + (f"Runs were shortened to {duration} s. " if duration else "")
      + f"Wall time {int(elapsed)//60} min {int(elapsed)%60} s. Each policy's folder `tune-<policy>/` holds its "
      "search (report.md, results.csv with every run, tuned.toml); `paired.csv` has every held-out run's value "
      "by seed.", "",
      "Mean travel time with unfinished trips, seconds (lower is better):", "",
      "| policy | setting | train | " + " | ".join(scen) + " | held-out mean | tuned parameters |",
      "|---|---|---|" + "---|" * len(scen) + "---|---|"]
for p, setting, tr, per, m, params in table:
    md.append(f"| {p} | {setting} | {tr:.1f} | " + " | ".join(f"{per[s]:.1f}" for s in scen) + f" | {m:.1f} | {params} |")
tuned = sorted((m, p) for p, setting, tr, per, m, params in table if setting == "tuned")
md += ["", "Ranking on the held-out mean, tuned: " + ", ".join(f"{p} ({m:.1f} s)" for m, p in tuned) + "."]
# Paired differences to the first policy (tuned), seed by seed on each held-out scenario: the same
# seeds draw the same departures and drivers for every policy, so the difference cancels them.
base = policies[0]
seed_list = sorted({k[3] for k in per_seed})
md += ["", f"Paired difference to {base} (tuned), held-out, seed by seed: mean over seeds "
       f"{seed_list[0]}–{seed_list[-1]} and its 95% interval (Student t, {len(seed_list) - 1} degrees of "
       "freedom; negative is better):", "",
       "| policy | " + " | ".join(scen) + " |", "|---|" + "---|" * len(scen)]
for p in policies[1:]:
    cells = []
    for s_ in scen:
        diffs = [per_seed[(p, "tuned", s_, k)] - per_seed[(base, "tuned", s_, k)] for k in seed_list
                 if (p, "tuned", s_, k) in per_seed and (base, "tuned", s_, k) in per_seed]
        if not diffs:
            cells.append("")
            continue
        m, hw = interval(diffs)
        cells.append(f"{m:+.1f} [{m - hw:+.1f}, {m + hw:+.1f}]" if hw == hw else f"{m:+.1f}")
    md.append(f"| {p} | " + " | ".join(cells) + " |")
with open(os.path.join(out, "paired.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["policy", "setting", "scenario", "seed", "mean_travel_time_with_unfinished_s"])
    for (p, setting, s_, k), v in sorted(per_seed.items()):
        w.writerow([p, setting, s_, k, f"{v:.3f}"])
train_of = {(p, setting): tr for p, setting, tr, per, m, params in table}
worse = [p for p in policies if train_of[(p, "tuned")] > train_of[(p, "defaults")]]
if worse:
    md += ["", "Where the tuned parameters score worse than the defaults even on the training scenarios ("
           + ", ".join(worse) + "), the defaults were eliminated in an early rung, whose runs are short "
           "(4–33% of the hour), although they are better over the full hour: successive halving ranks "
           "candidates on short runs, and early traffic is not the peak. A larger budget, a larger minimum "
           "rung duration, or comparing the winner with the defaults at full length would correct it."]
md += [""]
with open(os.path.join(out, "report.md"), "w") as f:
    f.write("\n".join(md))
print("\n".join(md))
PY

#!/usr/bin/env python3
"""The bunching and holding tables of docs/singapore-av.md ("The peak variant").

    python3 scripts/singapore-peak-tables.py [--trafficsim BIN] [--out DIR]

Runs scenarios/singapore_av_peak.toml for seeds 1, 2 and 3 under each holding variant of the two
regular bus lines (lines 2 and 3: bus_east_1 and bus_east_2), one thread, and prints the two
tables (three values per cell: seeds 1, 2, 3) and bus_east_1's headway CV at each stop without
holding and with headway holding, from summary.json's transit_lines and line_stops.csv. 18 runs; the results folders go
under DIR (default results/singapore_peak_tables; replaced when they exist).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = (1, 2, 3)
# (label in the table, settings for both lines)
VARIANTS = [
    ("none", {"holding": '"none"'}),
    ("headway, ratio 0.8 (the default)", {"holding": '"headway"'}),
    ("headway, `holding_headway_ratio=1`", {"holding": '"headway"', "holding_headway_ratio": "1"}),
    ("schedule", {"holding": '"schedule"'}),
    ("none, `dwell_allowance_s=60`", {"holding": '"none"', "dwell_allowance_s": "60"}),
    ("schedule, `dwell_allowance_s=60`", {"holding": '"schedule"', "dwell_allowance_s": "60"}),
]
LINES = {"bus_east_1": 6, "bus_east_2": 4}  # line -> how many variants its table shows
HEADER = ("| holding | headway CV | bunching share | mean wait (s) | left waiting at the end | max load "
          "| mean run time (s) | arrivals on time |\n|---|---|---|---|---|---|---|---|")


def run(binary, out, seed, settings):
    if os.path.exists(out):
        shutil.rmtree(out)
    cmd = [binary, "run", os.path.join(ROOT, "scenarios", "singapore_av_peak.toml"), "-q", "-t", "1",
           "--seed", str(seed), "-o", out]
    for line in (2, 3):
        for key, value in settings.items():
            cmd += ["--set", f"transit.line.{line}.{key}={value}"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        lines = {l["line"]: l for l in json.load(f)["transit_lines"]}
    with open(os.path.join(out, "line_stops.csv")) as f:
        stops = [r for r in csv.DictReader(f)]
    return lines, stops


def cell(values, fmt):
    return ", ".join(fmt(v) for v in values)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trafficsim", default=os.path.join(ROOT, "build", "ci", "bin", "trafficsim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "singapore_peak_tables"))
    args = ap.parse_args()
    if not os.access(args.trafficsim, os.X_OK):
        print(f"singapore-peak-tables: {args.trafficsim} is not an executable trafficsim; give --trafficsim", file=sys.stderr)
        return 2
    results = {}
    for v, (label, settings) in enumerate(VARIANTS):
        for seed in SEEDS:
            results[(v, seed)] = run(args.trafficsim, os.path.join(args.out, f"v{v}_s{seed}"), seed, settings)
    for line, rows in LINES.items():
        print(f"\n{line}:\n\n{HEADER}")
        for v in range(rows):
            got = [results[(v, s)][0][line] for s in SEEDS]
            print("| " + " | ".join([
                VARIANTS[v][0],
                cell([g["headway_cv"] for g in got], lambda x: f"{x:.2f}"),
                cell([g["bunching_share"] for g in got], lambda x: "0" if x == 0 else f"{x:.2f}"),
                cell([g["mean_wait_s"] for g in got], lambda x: f"{x:.0f}"),
                cell([g["left_waiting"] for g in got], str),
                cell([g["max_load"] for g in got], str),
                cell([g["mean_run_time_s"] for g in got], lambda x: f"{x:.0f}"),
                cell([g["on_time_share"] for g in got], lambda x: f"{100 * x:.0f}%"),
            ]) + " |")
    for v in (0, 1, 2):
        print(f"\nbus_east_1, headway CV at each stop, holding {VARIANTS[v][0]}:")
        for s in SEEDS:
            cvs = [r["headway_cv"] for r in results[(v, s)][1] if r["line"] == "bus_east_1"]
            print(f"  seed {s}: " + ", ".join(f"{float(c):.2f}" if c else "-" for c in cvs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes a scenario of a generated N x N grid, for measuring runs at scale (docs/metrics.md,
"Outputs at scale"). Two kinds of demand:

    scripts/big-grid.py 60 900 1800 > grid60.toml           # N, veh/h per flow, duration (s):
        a through flow entering on every boundary road and crossing the whole grid
    scripts/big-grid.py 60 1200 3600 short > many60.toml
        many short trips: on every side, from each boundary road to the next one along (three
        roads), so that the run has many trips but few vehicles at a time (outputs dominate)
"""
import sys

n, vph, duration = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
short = len(sys.argv) > 4 and sys.argv[4] == "short"
print(f'[scenario]\nname = "grid_{n}x{n}_scale"\nduration_s = {duration:g}\nstep_s = 1.0\nseed = 1\n')
print(f'[map.grid]\nrows = {n}\ncolumns = {n}\nblock_length_m = 300\nlanes_per_direction = 2\n')
print('[demand]\nflow = [')
flows = []
if short:
    for k in range(n - 1):
        flows += [
            (f"s{k}", f"road_j_-1_{k}_j_0_{k}", f"road_j_0_{k+1}_j_-1_{k+1}"),
            (f"n{k}", f"road_j_{n}_{k}_j_{n-1}_{k}", f"road_j_{n-1}_{k+1}_j_{n}_{k+1}"),
            (f"w{k}", f"road_j_{k}_-1_j_{k}_0", f"road_j_{k+1}_0_j_{k+1}_-1"),
            (f"e{k}", f"road_j_{k}_{n}_j_{k}_{n-1}", f"road_j_{k+1}_{n-1}_j_{k+1}_{n}"),
        ]
else:
    for k in range(n):
        flows += [
            (f"s{k}", f"road_j_-1_{k}_j_0_{k}", f"road_j_{n-1}_{k}_j_{n}_{k}"),
            (f"n{k}", f"road_j_{n}_{k}_j_{n-1}_{k}", f"road_j_0_{k}_j_-1_{k}"),
            (f"w{k}", f"road_j_{k}_-1_j_{k}_0", f"road_j_{k}_{n-1}_j_{k}_{n}"),
            (f"e{k}", f"road_j_{k}_{n}_j_{k}_{n-1}", f"road_j_{k}_0_j_{k}_-1"),
        ]
for name, src, dst in flows:
    print(f'  {{ id = "{name}", from = "{src}", to = "{dst}", veh_per_hour = {vph:g} }},')
print(']')

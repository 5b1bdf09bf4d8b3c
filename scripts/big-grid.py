#!/usr/bin/env python3
"""Writes a scenario of a generated N x N grid, for measuring runs at scale (docs/metrics.md,
"Outputs at scale"). Two kinds of demand:

    scripts/big-grid.py 60 900 1800 > grid60.toml           # N, veh/h per flow, duration (s):
        a through flow entering on every boundary road and crossing the whole grid
    scripts/big-grid.py 60 1200 3600 short > many60.toml
        many short trips: on every side, from each boundary road to the next one along (three
        roads), so that the run has many trips but few vehicles at a time (outputs dominate)
    scripts/big-grid.py 200 500 900 dense > dense200.toml
        vehicles everywhere at once: a flow on every stretch of ten roads along every row and
        column, both ways, with its route written out (nothing to route at load). At 500 veh/h a
        flow, about a million vehicles are in a 200x200 grid after ten minutes (bench/README.md,
        "Cost per vehicle-update with the size of the network")
"""
import sys

n, vph, duration = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
kind = sys.argv[4] if len(sys.argv) > 4 else "through"
if kind not in ("through", "short", "dense"):
    sys.exit(f"big-grid.py: unknown kind {kind!r}; use through, short or dense")
short = kind == "short"
print(f'[scenario]\nname = "grid_{n}x{n}_{"dense" if kind == "dense" else "scale"}"\nduration_s = {duration:g}\nstep_s = 1.0\nseed = 1\n')
print(f'[map.grid]\nrows = {n}\ncolumns = {n}\nblock_length_m = 300\nlanes_per_direction = 2\n')
print('[demand]\nflow = [')
flows = []
if kind == "dense":
    stretch = 10  # roads per flow
    def road(a, b):
        return f"road_j_{a[0]}_{a[1]}_j_{b[0]}_{b[1]}"
    lines = []  # every row and column, both ways, as the junctions along it (boundary ends included)
    for k in range(n):
        row = [(k, c) for c in range(-1, n + 1)]
        col = [(r, k) for r in range(-1, n + 1)]
        lines += [(f"e{k}", row), (f"w{k}", row[::-1]), (f"n{k}", col), (f"s{k}", col[::-1])]
    for name, nodes in lines:
        roads = [road(a, b) for a, b in zip(nodes, nodes[1:])]
        for i in range(0, len(roads), stretch):
            route = ", ".join(f'"{r}"' for r in roads[i:i + stretch])
            print(f'  {{ id = "{name}_{i}", route = [{route}], veh_per_hour = {vph:g} }},')
    print(']')
    sys.exit(0)
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

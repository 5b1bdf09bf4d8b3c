#!/usr/bin/env python3
"""Draws how the cost of a vehicle-update grows with the size of the network, from traffic_bench
CSV files of the dense grids (scripts/big-grid.py N 500 900 dense), as an SVG:

    bench/scale_chart.py bench/results/scale-2core-debian12.csv docs/images/scale-cost-per-update.svg

x: junctions of the grid (N x N, log scale); y: nanoseconds of wall time per vehicle-update, one
line per thread count; each point is labelled with the vehicles in the network at the peak.
Standard library only (no plotting package is needed to regenerate it).
"""
import csv
import math
import re
import sys


def main(src, dst):
    rows = list(csv.DictReader(open(src)))
    if not rows:
        sys.exit(f"scale_chart.py: {src} has no rows")
    points = {}  # threads -> [(junctions, ns per update, peak vehicles)]
    for r in rows:
        m = re.match(r"grid_(\d+)x(\d+)_dense", r["scene"])
        if not m:
            continue
        junctions = int(m.group(1)) * int(m.group(2))
        ns = 1e9 / float(r["vehicle_updates_per_second"])
        points.setdefault(int(r["threads"]), []).append((junctions, ns, int(r["peak_running"])))
    if not points:
        sys.exit(f"scale_chart.py: {src} has no grid_NxN_dense rows")
    width, height, left, right, top, bottom = 640, 400, 70, 20, 40, 60
    xs = [p[0] for ps in points.values() for p in ps]
    ys = [p[1] for ps in points.values() for p in ps]
    x0, x1 = math.log10(min(xs)) - 0.15, math.log10(max(xs)) + 0.15
    y1 = max(ys) * 1.2

    def px(x):
        return left + (math.log10(x) - x0) / (x1 - x0) * (width - left - right)

    def py(y):
        return height - bottom - y / y1 * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">Wall time per vehicle-update on dense grids (traffic_bench)</text>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>']
    step = 10 ** math.floor(math.log10(y1 / 4))
    tick = step * max(1, round(y1 / 5 / step))
    y = 0.0
    while y <= y1:
        out.append(f'<line x1="{left - 4}" y1="{py(y):.1f}" x2="{width - right}" y2="{py(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
        y += tick
    for x in sorted(set(xs)):
        out.append(f'<text x="{px(x):.1f}" y="{height - bottom + 18}" text-anchor="middle">{x:,}</text>')
    out.append(f'<text x="{width / 2}" y="{height - 15}" text-anchor="middle">junctions (N x N grid, log scale)</text>')
    out.append(f'<text x="18" y="{(top + height - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 18 {(top + height - bottom) / 2})">ns per vehicle-update</text>')
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for i, (threads, ps) in enumerate(sorted(points.items())):
        ps.sort()
        colour = colours[i % len(colours)]
        path = " ".join(f"{px(x):.1f},{py(ns):.1f}" for x, ns, _ in ps)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, ns, peak in ps:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(ns):.1f}" r="3" fill="{colour}"/>')
            if i == 0:
                out.append(f'<text x="{px(x):.1f}" y="{py(ns) - 8:.1f}" text-anchor="middle" fill="#555">{peak:,} veh</text>')
        out.append(f'<text x="{width - right - 110}" y="{top + 16 * (i + 1)}" fill="{colour}">{threads} thread{"s" if threads > 1 else ""}</text>')
    out.append("</svg>")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

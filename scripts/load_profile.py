#!/usr/bin/env python3
"""Draw each transit line's load profile from a results folder's line_stops.csv.

    python3 scripts/load_profile.py RESULTS_FOLDER [--out FOLDER]

Writes load_profile_<line>.svg per line (into RESULTS_FOLDER unless --out says otherwise): bars of
the mean load leaving each stop, ticks at the fullest run's load, the capacity as a dashed line,
and the boardings and alightings at each stop underneath. Standard library only.
"""
import argparse
import csv
import html
import os
import re
import sys

WIDTH, HEIGHT = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 40, 120


def read_lines(path):
    lines = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            lines.setdefault(row["line"], []).append(row)
    return lines


def svg_for(line, rows):
    capacity = float(rows[0]["capacity"])
    top = max([capacity] + [float(r["max_load"]) for r in rows]) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(rows)
    y = lambda v: TOP + plot_h * (1 - v / top)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="15">Load profile of line {html.escape(line)}: '
           f'mean load leaving each stop (bars), fullest run (ticks), capacity {capacity:g} (dashed)</text>',
           f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="black"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="black"/>']
    for i in range(5):
        v = top * i / 4
        out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        out.append(f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{LEFT + plot_w}" y2="{y(v):.1f}" stroke="#ddd"/>')
    out.append(f'<line x1="{LEFT}" y1="{y(capacity):.1f}" x2="{LEFT + plot_w}" y2="{y(capacity):.1f}" '
               'stroke="#c33" stroke-dasharray="6,4"/>')
    for k, r in enumerate(rows):
        x = LEFT + k * slot
        mean, peak = float(r["mean_load"]), float(r["max_load"])
        out.append(f'<rect x="{x + slot * 0.2:.1f}" y="{y(mean):.1f}" width="{slot * 0.6:.1f}" '
                   f'height="{TOP + plot_h - y(mean):.1f}" fill="#4a7ebb"><title>{mean:.2f}</title></rect>')
        out.append(f'<line x1="{x + slot * 0.15:.1f}" y1="{y(peak):.1f}" x2="{x + slot * 0.85:.1f}" y2="{y(peak):.1f}" '
                   'stroke="black" stroke-width="2"/>')
        cx = x + slot / 2
        out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{html.escape(r["stop"])}</text>')
        out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 32}" text-anchor="middle" fill="#555">'
                   f'+{r["boardings"]} / -{r["alightings"]}</text>')
        out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 48}" text-anchor="middle" fill="#555">'
                   f'wait {float(r["mean_wait_s"]):.0f} s</text>')
    out.append(f'<text x="{LEFT}" y="{HEIGHT - 30}" fill="#555">Under each stop: boardings / alightings over the run, '
               'mean wait of those who boarded.</text>')
    out.append(f'<text x="16" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 16 {TOP + plot_h / 2:.1f})" '
               'text-anchor="middle">passengers on board</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a results folder of trafficsim run (holding line_stops.csv)")
    parser.add_argument("--out", help="folder for the charts (default: the results folder)")
    args = parser.parse_args(argv)
    source = os.path.join(args.results, "line_stops.csv")
    if not os.path.isfile(source):
        print(f"load_profile: {source} not found; run a scenario with transit lines first "
              "(trafficsim run SCENARIO -o FOLDER)", file=sys.stderr)
        return 2
    try:
        lines = read_lines(source)
    except (KeyError, csv.Error) as e:
        print(f"load_profile: {source} is not a line_stops.csv of this trafficsim ({e})", file=sys.stderr)
        return 2
    out_dir = args.out or args.results
    os.makedirs(out_dir, exist_ok=True)
    for line, rows in lines.items():
        name = os.path.join(out_dir, "load_profile_" + re.sub(r"[^A-Za-z0-9_.-]", "_", line) + ".svg")
        with open(name, "w") as f:
            f.write(svg_for(line, rows))
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

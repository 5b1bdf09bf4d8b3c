#!/usr/bin/env python3
"""A CityFlow-style script running on trafficsim: only the import differs.

It writes a CityFlow config for one of the shipped datasets, then drives the engine the way CityFlow
RL code does: every ``--action-interval`` seconds each intersection serves the phase whose
incoming lanes hold the most waiting vehicles (a greedy controller through ``set_tl_phase``), and
the script reports CityFlow's measure, the average travel time.

    PYTHONPATH=build/release/python python3 examples/python/cityflow_dropin.py --dataset jinan
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
try:
    import trafficsim  # noqa: F401 (only to find the package)
except ModuleNotFoundError:  # not installed: this checkout's build tree, as `cmake --build --preset release` leaves it
    _built = [p for p in (ROOT / "build" / "release" / "python", ROOT / "build" / "ci" / "python")
              if (p / "trafficsim").is_dir()]
    if not _built:
        sys.exit("trafficsim is neither installed nor built in this checkout: run "
                 "`cmake --preset release && cmake --build --preset release`, or set PYTHONPATH")
    sys.path.insert(0, str(_built[0]))
    import trafficsim

from trafficsim import cityflow  # was: import cityflow

DATASETS = {
    "hangzhou": ("hangzhou_4x4", "roadnet_4_4.json", "anon_4_4_hangzhou_real.json"),
    "jinan": ("jinan_3x4", "roadnet_3_4.json", "anon_3_4_jinan_real.json"),
    "newyork": ("newyork_16x3", "roadnet_16_3.json", "anon_16_3_newyork_real.json"),
}


def phase_lanes(roadnet: dict) -> dict[str, list[list[str]]]:
    """Per signalised intersection, the incoming lanes each lightphase lets go (CityFlow's ids)."""
    out = {}
    for inter in roadnet["intersections"]:
        if inter["virtual"] or not inter.get("trafficLight"):
            continue
        links = inter["roadLinks"]
        phases = []
        for phase in inter["trafficLight"]["lightphases"]:
            lanes = []
            for i in phase["availableRoadLinks"]:
                link = links[inter["trafficLight"]["roadLinkIndices"][i]]
                for ll in link["laneLinks"]:
                    lane = f"{link['startRoad']}_{ll['startLaneIndex']}"
                    if lane not in lanes:
                        lanes.append(lane)
            phases.append(lanes)
        out[inter["id"]] = phases
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="hangzhou")
    parser.add_argument("--steps", type=int, default=3600)
    parser.add_argument("--action-interval", type=int, default=10)
    args = parser.parse_args(argv)

    folder, roadnet_file, flow_file = DATASETS[args.dataset]
    with tempfile.TemporaryDirectory() as tmp:
        config = pathlib.Path(tmp) / "config.json"
        config.write_text(json.dumps({
            "interval": 1.0, "seed": 0, "dir": str(ROOT / "maps" / folder) + "/",
            "roadnetFile": roadnet_file, "flowFile": flow_file,
            "rlTrafficLight": True, "laneChange": False, "saveReplay": False}))
        eng = cityflow.Engine(str(config), thread_num=1)
    roadnet = json.loads((ROOT / "maps" / folder / roadnet_file).read_text())
    lanes_of = phase_lanes(roadnet)

    for step in range(args.steps):
        if step % args.action_interval == 0:
            waiting = eng.get_lane_waiting_vehicle_count()
            for inter, phases in lanes_of.items():
                scores = [sum(waiting[lane] for lane in lanes) if lanes else -1 for lanes in phases]
                eng.set_tl_phase(inter, max(range(len(scores)), key=scores.__getitem__))
        eng.next_step()
    print(f"{args.dataset}: {eng.get_current_time():.0f} s simulated, {eng.get_vehicle_count()} vehicles running, "
          f"average travel time {eng.get_average_travel_time():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

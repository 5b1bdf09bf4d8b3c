#!/usr/bin/env python3
"""Max-pressure signal control written in Python, acting through ``Simulation.set_phase``.

Every step, each signalised junction serves the phase whose green connectors relieve the most
queue: pressure = sum over the phase's distinct (incoming lane, outgoing lane) pairs of
halting(incoming) - halting(outgoing). A phase is held for at least ``--min-phase`` seconds; the
current phase is kept when no other phase has strictly more pressure, and among equally good
phases the lowest index wins. These are the rules of the built-in ``max_pressure`` policy
(sim/src/policies/max_pressure.cpp), so the script also runs the built-in policy on the same
scenario and reports how many trips end differently.

Why they may differ: the built-in policy reads the lane sensors inside the step, after that step's
new vehicles have entered; Python observes between steps, before them. A vehicle inserted halting at
the back of a queue is counted one step later here. Everything else (the pressure, the hold time,
the tie rules, the controller's yellow, all-red and minimum green) is the same.

    PYTHONPATH=build/release/python python3 examples/python/max_pressure.py scenarios/hangzhou_real.toml
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

import trafficsim

ROOT = pathlib.Path(__file__).resolve().parents[2]


class MaxPressureController:
    """Vectorised max pressure over every signalised junction of a simulation."""

    def __init__(self, sim: trafficsim.Simulation, min_phase_s: float = 10.0) -> None:
        self.sim = sim
        self.min_phase_s = float(min_phase_s)
        net = sim.network
        self.signals = np.array([j.index for j in net.signals], dtype=np.int64)
        phases = [j.phases for j in net.signals]
        self.phase_count = np.array([len(p) for p in phases], dtype=np.int64)
        width = int(self.phase_count.max()) if len(phases) else 0
        # All (from, to) lane pairs of every (signal, phase), with the flat cell they add into.
        src, dst, cell = [], [], []
        for s, junction_phases in enumerate(phases):
            for phase in junction_phases:
                for a, b in phase.lane_links:
                    src.append(a)
                    dst.append(b)
                    cell.append(s * width + phase.index)
        self.src = np.array(src, dtype=np.int64)
        self.dst = np.array(dst, dtype=np.int64)
        self.cell = np.array(cell, dtype=np.int64)
        self.width = width
        # Cells past a junction's last phase can never win.
        self.padding = np.arange(width)[None, :] >= self.phase_count[:, None]
        self._lanes: dict = {}
        self._signals: dict = {}

    def pressures(self, halting: np.ndarray) -> np.ndarray:
        """Pressure per (signal, phase), -inf where the signal has fewer phases."""
        diff = (halting[self.src] - halting[self.dst]).astype(np.float64)
        flat = np.bincount(self.cell, weights=diff, minlength=len(self.signals) * self.width)
        table = flat.reshape(len(self.signals), self.width)
        table[self.padding] = -np.inf
        return table

    def act(self) -> None:
        """Decide for every signal from the current observation and request the phases."""
        lanes = self.sim.lane_observations(self._lanes)
        signals = self.sim.signal_observations(self._signals)
        phase = signals["phase"][self.signals]
        green = signals["stage"][self.signals] == 0
        # The controller consults the policy in the next step, one step length later.
        time_in_phase = signals["time_in_stage"][self.signals] + self.sim.step_length
        table = self.pressures(lanes["halting"])
        rows = np.arange(len(self.signals))
        current = table[rows, phase]
        best = table.max(axis=1)
        choice = np.where(best > current, table.argmax(axis=1), phase)
        hold = ~green | (time_in_phase + 1e-9 < self.min_phase_s) | (self.phase_count <= 1)
        # During a clearance the controller has already chosen; asking for it keeps it.
        choice = np.where(green, np.where(hold, phase, choice), signals["next_phase"][self.signals])
        for junction, p in zip(self.signals.tolist(), choice.tolist()):
            self.sim.set_phase(junction, p)


def run_python(scenario: str, seed: int | None, min_phase_s: float, threads: int):
    sim = trafficsim.Simulation(scenario, seed=seed, threads=threads)
    controller = MaxPressureController(sim, min_phase_s)
    start = time.perf_counter()
    while not sim.done:
        controller.act()
        sim.step()
    return sim, time.perf_counter() - start


def run_builtin(scenario: str, seed: int | None, min_phase_s: float, threads: int):
    sim = trafficsim.Simulation(scenario, seed=seed, threads=threads, policy="max_pressure",
                                policy_params={"min_phase_s": min_phase_s})
    start = time.perf_counter()
    sim.run()
    return sim, time.perf_counter() - start


def compare_trips(a: dict, b: dict) -> int:
    """Trips whose arrival, entry, stops or distance differ (NaN equal to NaN)."""
    if len(a["trip_index"]) != len(b["trip_index"]):
        return max(len(a["trip_index"]), len(b["trip_index"]))
    differ = np.zeros(len(a["trip_index"]), dtype=bool)
    for key in ("enter_s", "arrive_s", "distance_m"):
        x, y = a[key], b[key]
        differ |= ~((x == y) | (np.isnan(x) & np.isnan(y)))
    differ |= a["stops"] != b["stops"]
    return int(differ.sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "hangzhou_real.toml"))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--min-phase", type=float, default=10.0, help="hold time of a phase, s")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="write the Python-controlled run's outputs (trips.csv, ...) here")
    parser.add_argument("--no-compare", action="store_true", help="skip the built-in policy's run")
    args = parser.parse_args(argv)

    sim, wall = run_python(args.scenario, args.seed, args.min_phase, args.threads)
    s = sim.summary()
    print(f"python max pressure : {s['vehicles']['arrived']} arrived, mean travel time "
          f"{s['travel_time_s']['mean_with_unfinished']:.1f} s counting unfinished ones "
          f"({wall:.2f} s wall)")
    if args.out:
        sim.write_outputs(args.out)
        print(f"outputs in {args.out}")
    if args.no_compare:
        return 0
    ref, ref_wall = run_builtin(args.scenario, args.seed, args.min_phase, args.threads)
    r = ref.summary()
    print(f"built-in max_pressure: {r['vehicles']['arrived']} arrived, mean travel time "
          f"{r['travel_time_s']['mean_with_unfinished']:.1f} s counting unfinished ones "
          f"({ref_wall:.2f} s wall)")
    differing = compare_trips(sim.trips(), ref.trips())
    total = len(ref.trips()["trip_index"])
    if differing == 0:
        print(f"identical: all {total} trips match the built-in run")
    else:
        print(f"different: {differing} of {total} trips differ from the built-in run")
    return 0 if differing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

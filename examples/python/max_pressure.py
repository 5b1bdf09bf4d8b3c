#!/usr/bin/env python3
"""Max-pressure signal control written in Python, compared with the built-in policy.

Each signalised junction serves the phase whose green connectors relieve the most queue: pressure
= sum over the phase's distinct (incoming lane, outgoing lane) pairs of halting(incoming) -
halting(outgoing). A phase is held for at least ``--min-phase`` seconds; the current phase is kept
when no other phase has strictly more pressure, and among equally good phases the lowest index
wins. These are the rules of the built-in ``max_pressure`` policy
(sim/src/policies/max_pressure.cpp); the script runs both and compares every trip.

Two ways to act from Python (``--mode``):

* ``policy`` (default): the controller is a Python callable given to ``Simulation.set_policy``;
  the engine calls it where it calls the built-in policies, inside the step with that instant's
  lane sensors. It reproduces the built-in run exactly.
* ``set_phase``: the controller observes between steps and requests phases with
  ``Simulation.set_phase``, as a learning agent does. It sees the lanes one step earlier than the
  built-in policy: before the step's new vehicles enter. On hangzhou_real that changes nothing; on
  jinan_real a vehicle inserted at standstill at the back of a queue (t = 1,017 s) is counted one
  step later, a decision changes and the runs part.

    PYTHONPATH=build/release/python python3 examples/python/max_pressure.py scenarios/jinan_real.toml
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
try:
    import trafficsim
except ModuleNotFoundError:  # not installed: this checkout's build tree, as `cmake --build --preset release` leaves it
    _built = [p for p in (ROOT / "build" / "release" / "python", ROOT / "build" / "ci" / "python")
              if (p / "trafficsim").is_dir()]
    if not _built:
        sys.exit("trafficsim is neither installed nor built in this checkout: run "
                 "`cmake --preset release && cmake --build --preset release`, or set PYTHONPATH")
    sys.path.insert(0, str(_built[0]))
    import trafficsim



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
        self.row_of = {int(j): s for s, j in enumerate(self.signals)}
        self._table_time = None
        self._table = None

    def decide(self, context) -> int:
        """The phase for one junction at one decision (``Simulation.set_policy`` callable)."""
        s = self.row_of[context.junction]
        if self.phase_count[s] <= 1 or context.time_in_phase + 1e-9 < self.min_phase_s:
            return context.phase
        if self._table_time != context.time:  # once per step, for every junction at once
            self._table = self.pressures(context.lanes["halting"])
            self._table_time = context.time
        row = self._table[s]
        best = int(row.argmax())
        return best if row[best] > row[context.phase] else context.phase

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


def run_python(scenario: str, seed: int | None, min_phase_s: float, threads: int, mode: str):
    sim = trafficsim.Simulation(scenario, seed=seed, threads=threads)
    controller = MaxPressureController(sim, min_phase_s)
    start = time.perf_counter()
    if mode == "policy":
        sim.set_policy(controller.decide)
        sim.run()
    else:
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
    parser.add_argument("--mode", choices=("policy", "set_phase"), default="policy",
                        help="decide inside the step (policy) or between steps (set_phase)")
    parser.add_argument("--out", help="write the Python-controlled run's outputs (trips.csv, ...) here")
    parser.add_argument("--no-compare", action="store_true", help="skip the built-in policy's run")
    args = parser.parse_args(argv)

    sim, wall = run_python(args.scenario, args.seed, args.min_phase, args.threads, args.mode)
    s = sim.summary()
    print(f"python max pressure ({args.mode}): {s['vehicles']['arrived']} arrived, mean travel time "
          f"{s['travel_time_s']['mean_with_unfinished']:.1f} s counting unfinished ones "
          f"({wall:.2f} s wall)")
    if args.out:
        sim.write_outputs(args.out)
        print(f"outputs in {args.out}")
    if args.no_compare:
        return 0
    ref, ref_wall = run_builtin(args.scenario, args.seed, args.min_phase, args.threads)
    r = ref.summary()
    print(f"built-in max_pressure      : {r['vehicles']['arrived']} arrived, mean travel time "
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

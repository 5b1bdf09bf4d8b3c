#!/usr/bin/env python3
"""Environment steps per second of the Python binding, as learning code sees them.

Runs trafficsim.ParallelTrafficSignalEnv on a scenario (hangzhou_real by default: 16 signalised
junctions, all of them agents) with random actions from a fixed seed, for a whole episode, and
reports per configuration:

* env steps/s: calls of env.step (each: 16 actions in, 16 observations and rewards out, then
  delta_time simulated seconds);
* agent decisions/s (env steps/s x agents) and simulated seconds per wall second;
* Python overhead: of the wall time spent inside env.step, the share outside the engine's steps
  (World::step, as Simulation.wall_seconds counts it): reading the actions, requesting the phases,
  observing, rewarding, building the five result dicts, in C++ (python/src/env_kernel.h) or Python,
  and the calls between them. The agent's own work (here: looking up pre-drawn random actions and
  zipping them into the actions dict) is not in it. With --parallel N it is per environment and
  also holds the time a thread waits for the GIL while another one builds its results;
* with --parallel N, N environments in N Python threads at once (the GIL is released during
  step), their steps per second summed.

and the time of reset() (same seed: the world is rebuilt on the loaded network and demand) and the
resident memory before and after --resets resets. The best of --repeats runs is kept, as wall time
on a shared machine only errs on the slow side. Nothing here asserts a speed.

    PYTHONPATH=build/release/python python3 bench/python_env.py --out bench/results/python-<machine>.csv
"""

from __future__ import annotations

import argparse
import csv
import pathlib
import platform
import threading
import time

import numpy as np

from trafficsim.env import ParallelTrafficSignalEnv

ROOT = pathlib.Path(__file__).resolve().parents[1]


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4


def episode(env: ParallelTrafficSignalEnv, seed: int) -> tuple[int, float, float, float]:
    """One episode with random actions drawn up front (so that drawing them is not timed);
    returns (env steps, wall s, s inside env.step, s inside the engine)."""
    env.reset(seed=None)
    agents = list(env.possible_agents)
    counts = np.array([env.action_space(a).n for a in agents])
    steps_needed = int(np.ceil(env.num_seconds / env.delta_time))
    actions = np.random.default_rng(seed).integers(0, counts, size=(steps_needed, len(agents))).tolist()
    engine_before = env.sim.wall_seconds
    steps = 0
    in_step = 0.0
    start = time.perf_counter()
    while env.agents:
        t0 = time.perf_counter()
        env.step(dict(zip(agents, actions[steps])))
        in_step += time.perf_counter() - t0
        steps += 1
    wall = time.perf_counter() - start
    return steps, wall, in_step, env.sim.wall_seconds - engine_before


def measure(scenario: str, delta: float, parallel: int, repeats: int) -> dict:
    envs = [ParallelTrafficSignalEnv(scenario, delta_time=delta) for _ in range(parallel)]
    best = None
    for r in range(repeats):
        results: list = [None] * parallel

        def work(i: int) -> None:
            results[i] = episode(envs[i], seed=100 * r + i)

        start = time.perf_counter()
        if parallel == 1:
            work(0)
        else:
            threads = [threading.Thread(target=work, args=(i,)) for i in range(parallel)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        wall = time.perf_counter() - start
        steps = sum(r[0] for r in results)
        in_step = sum(r[2] for r in results) / parallel
        engine = sum(r[3] for r in results) / parallel
        if best is None or wall < best["wall_s"]:
            best = {"wall_s": wall, "env_steps": steps, "in_step_s": in_step, "engine_s": engine,
                    "sim_s": envs[0].sim.time * parallel}
    agents = len(envs[0].possible_agents)
    return {
        "delta_time_s": delta,
        "parallel_envs": parallel,
        "agents": agents,
        "env_steps": best["env_steps"],
        "wall_s": round(best["wall_s"], 4),
        "env_steps_per_s": round(best["env_steps"] / best["wall_s"], 1),
        "decisions_per_s": round(best["env_steps"] * agents / best["wall_s"], 1),
        "sim_s_per_wall_s": round(best["sim_s"] / best["wall_s"], 1),
        # Of the time inside env.step: the share outside the engine's steps (see the docstring).
        "python_overhead": round(1 - best["engine_s"] / best["in_step_s"], 3),
    }


def measure_reset(scenario: str, resets: int) -> dict:
    env = ParallelTrafficSignalEnv(scenario)
    env.reset()
    for _ in range(3):  # a short episode so that each reset discards a world with vehicles in it
        env.step({})
    before = rss_kb()
    times = []
    for k in range(resets):
        start = time.perf_counter()
        env.reset()
        times.append(time.perf_counter() - start)
        if k % 10 == 0:
            for _ in range(20):
                env.step({})
    after = rss_kb()
    return {"resets": resets, "reset_ms_median": round(1000 * float(np.median(times)), 2),
            "reset_ms_max": round(1000 * max(times), 2), "rss_before_kb": before, "rss_after_kb": after}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "hangzhou_real.toml"))
    parser.add_argument("--delta", default="5,1", help="seconds between actions, comma-separated")
    parser.add_argument("--parallel", default="1,2", help="environments in threads, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--resets", type=int, default=1000)
    parser.add_argument("--out", help="CSV file for the step figures")
    args = parser.parse_args()

    print("python_overhead: share of the wall time inside env.step spent outside the engine's steps "
          "(World::step, Simulation.wall_seconds)", flush=True)
    rows = []
    for delta in (float(d) for d in args.delta.split(",")):
        for parallel in (int(p) for p in args.parallel.split(",")):
            row = measure(args.scenario, delta, parallel, args.repeats)
            rows.append(row)
            print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    reset = measure_reset(args.scenario, args.resets)
    print(", ".join(f"{k}={v}" for k, v in reset.items()))
    if args.out:
        with open(args.out, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["machine", "scenario", *rows[0].keys(), *reset.keys()])
            writer.writeheader()
            for row in rows:
                writer.writerow({"machine": platform.node(), "scenario": pathlib.Path(args.scenario).stem,
                                 **row, **reset})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

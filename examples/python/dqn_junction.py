#!/usr/bin/env python3
"""A small DQN agent for one Hangzhou junction, in numpy only, on trafficsim.TrafficSignalEnv.

The agent controls intersection_1_1 of hangzhou_real (the other 15 junctions keep the scenario's
fixed-time plan): every 5 s it picks one of the 8 green phases from the sumo-rl observation (phase
one-hot, minimum-green flag, lane densities and queues) and learns to keep the queue short
(reward "queue": minus the vehicles halting on its approaches after each action; the default
"diff-waiting-time" telescopes over an episode, so its return says little about the episode). The Q-network is a one-hidden-layer perceptron trained with
experience replay, a target network and an epsilon-greedy policy; no deep-learning package is
needed. After training it is compared, on the same junction, with fixed time (the scenario's plan)
and max pressure (the phase with the most queue relief), by the mean travel time of the whole
network's trips and the vehicles halting on the junction's approaches. The learning curve (return
per episode) is written as an SVG picture.

    PYTHONPATH=build/release/python python3 examples/python/dqn_junction.py --episodes 30 --svg dqn.svg
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

import trafficsim
from trafficsim.env import TrafficSignalEnv

ROOT = pathlib.Path(__file__).resolve().parents[2]
JUNCTION = "intersection_1_1"


class QNetwork:
    """x -> relu(x W1 + b1) W2 + b2, trained on squared TD error with Adam."""

    def __init__(self, inputs: int, hidden: int, actions: int, rng: np.random.Generator) -> None:
        self.params = [rng.normal(0, np.sqrt(2 / inputs), (inputs, hidden)), np.zeros(hidden),
                       rng.normal(0, np.sqrt(1 / hidden), (hidden, actions)), np.zeros(actions)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        w1, b1, w2, b2 = self.params
        return np.maximum(x @ w1 + b1, 0) @ w2 + b2

    def copy_from(self, other: "QNetwork") -> None:
        self.params = [p.copy() for p in other.params]

    def train(self, x: np.ndarray, actions: np.ndarray, targets: np.ndarray, lr: float = 1e-3) -> float:
        w1, b1, w2, b2 = self.params
        h_pre = x @ w1 + b1
        h = np.maximum(h_pre, 0)
        q = h @ w2 + b2
        rows = np.arange(len(x))
        err = q[rows, actions] - targets
        dq = np.zeros_like(q)
        dq[rows, actions] = 2 * err / len(x)
        dh = (dq @ w2.T) * (h_pre > 0)
        grads = [x.T @ dh, dh.sum(0), h.T @ dq, dq.sum(0)]
        self.t += 1
        for i, g in enumerate(grads):  # Adam
            self.m[i] = 0.9 * self.m[i] + 0.1 * g
            self.v[i] = 0.999 * self.v[i] + 0.001 * g * g
            m_hat = self.m[i] / (1 - 0.9 ** self.t)
            v_hat = self.v[i] / (1 - 0.999 ** self.t)
            self.params[i] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        return float((err ** 2).mean())


def train(episodes: int, seed: int, scenario: str) -> tuple[QNetwork, list[float]]:
    env = TrafficSignalEnv(scenario, junction=JUNCTION, delta_time=5, yellow_time=2, min_green=5, reward="queue")
    rng = np.random.default_rng(seed)
    size, actions = env.observation_space.shape[0], env.action_space.n
    online, target = QNetwork(size, 64, actions, rng), QNetwork(size, 64, actions, rng)
    target.copy_from(online)
    capacity = 20_000
    buf_s = np.zeros((capacity, size), np.float32)
    buf_a = np.zeros(capacity, np.int64)
    buf_r = np.zeros(capacity, np.float32)
    buf_s2 = np.zeros((capacity, size), np.float32)
    filled = 0
    returns = []
    updates = 0
    for episode in range(episodes):
        epsilon = max(0.05, 1.0 - episode / max(1, 0.6 * episodes))
        obs, _ = env.reset(seed=None)
        total, done = 0.0, False
        while not done:
            action = int(rng.integers(actions)) if rng.random() < epsilon else int(online(obs[None])[0].argmax())
            nxt, reward, terminated, truncated, _ = env.step(action)
            done = terminated or truncated
            k = filled % capacity
            buf_s[k], buf_a[k], buf_r[k], buf_s2[k] = obs, action, reward, nxt
            filled += 1
            obs = nxt
            total += reward
            if filled >= 256:
                idx = rng.integers(min(filled, capacity), size=64)
                q_next = target(buf_s2[idx]).max(axis=1)
                online.train(buf_s[idx], buf_a[idx], buf_r[idx] / 10.0 + 0.9 * q_next)
                updates += 1
                if updates % 200 == 0:
                    target.copy_from(online)
        returns.append(total)
        print(f"episode {episode + 1:3d}  epsilon {epsilon:.2f}  return {total:9.1f}", flush=True)
    return online, returns


def halting_on_approaches(sim: trafficsim.Simulation, lanes: list[int]) -> float:
    return float(sim.lane_observations()["halting"][lanes].sum())


def evaluate(scenario: str, controller) -> dict:
    """Runs the hour with `controller(env, obs) -> phase` at the junction (None: fixed time)."""
    env = TrafficSignalEnv(scenario, junction=JUNCTION, delta_time=5, yellow_time=2, min_green=5)
    obs, _ = env.reset()
    lanes = list(env.sim.network.junction(JUNCTION).incoming_lanes)
    if controller is None:
        env.sim.release(JUNCTION)
    halting, done = [], False
    while not done:
        if controller is None:
            # Fixed time: the scenario's plan decides; the environment only advances the clock.
            _, _, terminated, truncated, _ = env.env.step({})
            done = truncated[JUNCTION]
        else:
            obs, _, terminated, truncated, _ = env.step(controller(env, obs))
            done = terminated or truncated
        halting.append(halting_on_approaches(env.sim, lanes))
    s = env.sim.summary()
    return {"travel_time_s": s["travel_time_s"]["mean_with_unfinished"], "halting": float(np.mean(halting))}


def max_pressure(env: TrafficSignalEnv, obs) -> int:
    sim = env.sim
    junction = sim.network.junction(JUNCTION)
    halting = sim.lane_observations()["halting"]
    pressure = [sum(int(halting[a]) - int(halting[b]) for a, b in p.lane_links) for p in junction.phases]
    return int(np.argmax(pressure))


def write_svg(path: str, returns: list[float]) -> None:
    """The return per episode as a line chart (higher is better: a shorter queue)."""
    width, height, pad = 640, 320, 40
    lo, hi = min(returns), max(returns)
    span = hi - lo or 1.0
    xs = [pad + i * (width - 2 * pad) / max(1, len(returns) - 1) for i in range(len(returns))]
    ys = [height - pad - (r - lo) / span * (height - 2 * pad) for r in returns]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    pathlib.Path(path).write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        f'font-size="12">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n'
        f'<text x="{pad}" y="20">DQN on {JUNCTION} (hangzhou_real): return per episode (minus the halting vehicles summed over decisions)</text>\n'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>\n'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="black"/>\n'
        f'<text x="{pad}" y="{height - 10}">episode 1</text>\n'
        f'<text x="{width - pad - 60}" y="{height - 10}">episode {len(returns)}</text>\n'
        f'<text x="4" y="{pad}">{hi:.0f}</text>\n<text x="4" y="{height - pad}">{lo:.0f}</text>\n'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>\n'
        "</svg>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "hangzhou_real.toml"))
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--svg", help="write the learning curve here")
    args = parser.parse_args(argv)

    network, returns = train(args.episodes, args.seed, args.scenario)
    if args.svg:
        write_svg(args.svg, returns)
    results = {
        "fixed time": evaluate(args.scenario, None),
        "max pressure": evaluate(args.scenario, max_pressure),
        "DQN (greedy)": evaluate(args.scenario, lambda env, obs: int(network(obs[None])[0].argmax())),
    }
    print(f"\n{JUNCTION} controlled by      mean travel time (network)   vehicles halting on its approaches")
    for name, r in results.items():
        print(f"  {name:14s}        {r['travel_time_s']:8.1f} s               {r['halting']:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

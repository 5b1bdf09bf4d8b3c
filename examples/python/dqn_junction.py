#!/usr/bin/env python3
"""A small DQN agent for one Hangzhou junction, with PyTorch or numpy, on trafficsim.TrafficSignalEnv.

The agent controls intersection_1_1 of hangzhou_real (the other 15 junctions keep the scenario's
fixed-time plan): every 5 s it picks one of the 8 green phases from the sumo-rl observation (phase
one-hot, minimum-green flag, lane densities and queues) and learns to keep the queue short
(reward "queue": minus the vehicles halting on its approaches after each action; the default
"diff-waiting-time" telescopes over an episode, so its return says little about the episode).

The Q-network (``--network``) is a PyTorch multi-layer perceptron (two hidden layers of 64, Huber
loss, Adam; Debian's ``python3-torch``, run on one thread) or, without PyTorch, a one-hidden-layer
perceptron written in numpy; either is trained with experience replay, a target network and an
epsilon-greedy policy. The seed varies the runs through the scenario's
``demand.departure_jitter_s`` (``--jitter``, 60 s: each departure moves by up to a minute) and
``dynamics.driver_variation`` (``--driver-variation``, 0.1: drivers' speed and headway within
10%); the dataset's demand is otherwise deterministic. Episode k of training runs seed k, and the
comparison runs on ``--eval-seed``, which training never saw: fixed time (the scenario's plan), max pressure (the phase with the most queue
relief) and the greedy agent, by the mean travel time of the whole network's trips and the
vehicles halting on the junction's approaches. The learning curve (return per episode) is written
as an SVG picture.

    PYTHONPATH=build/release/python python3 examples/python/dqn_junction.py --episodes 40 --svg dqn.svg
    PYTHONPATH=build/release/python python3 examples/python/dqn_junction.py --network numpy --episodes 30
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
from trafficsim.env import TrafficSignalEnv  # noqa: E402

JUNCTION = "intersection_1_1"


try:  # PyTorch is optional (Debian: python3-torch); without it the numpy network is used.
    import torch
except ImportError:  # pragma: no cover - exercised where python3-torch is absent
    torch = None

TORCH_MISSING = "PyTorch is not installed (Debian: apt-get install python3-torch)"


class TorchQNetwork:
    """x -> Linear-ReLU-Linear-ReLU-Linear, trained on the Huber TD error with Adam (PyTorch)."""

    def __init__(self, inputs: int, hidden: int, actions: int, seed: int) -> None:
        torch.manual_seed(seed)
        self.model = torch.nn.Sequential(
            torch.nn.Linear(inputs, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, actions))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.model(torch.from_numpy(np.asarray(x, dtype=np.float32))).numpy()

    def copy_from(self, other: "TorchQNetwork") -> None:
        self.model.load_state_dict(other.model.state_dict())

    def train(self, x: np.ndarray, actions: np.ndarray, targets: np.ndarray) -> float:
        q = self.model(torch.from_numpy(x)).gather(1, torch.from_numpy(actions)[:, None])[:, 0]
        loss = torch.nn.functional.smooth_l1_loss(q, torch.from_numpy(targets.astype(np.float32)))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return float(loss)


class QNetwork:
    """x -> relu(x W1 + b1) W2 + b2, trained on squared TD error with Adam (numpy only)."""

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


def train(episodes: int, seed: int, scenario: str, network: str = "numpy", overrides: dict | None = None):
    """Trains for `episodes` episodes, episode k on scenario seed k; returns (network, returns)."""
    env = TrafficSignalEnv(scenario, junction=JUNCTION, delta_time=5, yellow_time=2, min_green=5, reward="queue",
                           overrides=overrides)
    rng = np.random.default_rng(seed)
    size, actions = env.observation_space.shape[0], env.action_space.n
    if network == "torch":
        torch.set_num_threads(1)
        online, target = TorchQNetwork(size, 64, actions, seed), TorchQNetwork(size, 64, actions, seed)
    else:
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
        obs, _ = env.reset(seed=episode + 1)
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
                online.train(buf_s[idx], buf_a[idx], (buf_r[idx] / 10.0 + 0.9 * q_next).astype(np.float32))
                updates += 1
                if updates % 200 == 0:
                    target.copy_from(online)
        returns.append(total)
        print(f"episode {episode + 1:3d}  epsilon {epsilon:.2f}  return {total:9.1f}", flush=True)
    return online, returns


def halting_on_approaches(sim: trafficsim.Simulation, lanes: list[int]) -> float:
    return float(sim.lane_observations()["halting"][lanes].sum())


def evaluate(scenario: str, controller, seed: int | None = None, overrides: dict | None = None) -> dict:
    """Runs the hour with `controller(env, obs) -> phase` at the junction (None: fixed time), on
    scenario seed `seed` (None: the scenario's) with `overrides`."""
    env = TrafficSignalEnv(scenario, junction=JUNCTION, delta_time=5, yellow_time=2, min_green=5, overrides=overrides)
    obs, _ = env.reset(seed=seed)
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
    # The sum of the halting vehicles after each decision is minus the return of the "queue" reward.
    return {"travel_time_s": s["travel_time_s"]["mean_with_unfinished"], "halting": float(np.mean(halting)),
            "return": -float(np.sum(halting))}


def max_pressure(env: TrafficSignalEnv, obs) -> int:
    sim = env.sim
    junction = sim.network.junction(JUNCTION)
    halting = sim.lane_observations()["halting"]
    pressure = [sum(int(halting[a]) - int(halting[b]) for a, b in p.lane_links) for p in junction.phases]
    return int(np.argmax(pressure))


def write_svg(path: str, returns: list[float], network: str = "numpy",
              references: dict[str, float] | None = None) -> None:
    """The return per episode as a line chart (higher is better: a shorter queue), with the return
    of each controller in `references` (on the comparison's seed) as a dashed line."""
    references = references or {}
    width, height, left, pad = 680, 340, 64, 48
    values = list(returns) + list(references.values())
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0

    def y(r: float) -> float:
        return height - pad - (r - lo) / span * (height - 2 * pad)

    xs = [left + i * (width - left - pad) / max(1, len(returns) - 1) for i in range(len(returns))]
    points = " ".join(f"{x:.1f},{y(r):.1f}" for x, r in zip(xs, returns))
    colours = ("#d62728", "#2ca02c", "#9467bd", "#8c564b")
    legend_y = height - pad - 12 - 16 * max(0, len(references) - 1)
    # Dashed lines, named in a legend at the bottom right, where the curve (rising from its first
    # episodes) does not go; the lines themselves may lie too close together to be labelled.
    lines = "".join(
        f'<line x1="{left}" y1="{y(r):.1f}" x2="{width - pad}" y2="{y(r):.1f}" stroke="{c}" stroke-dasharray="6,4"/>\n'
        f'<line x1="{width // 2}" y1="{legend_y + 16 * k}" x2="{width // 2 + 24}" y2="{legend_y + 16 * k}" '
        f'stroke="{c}" stroke-dasharray="6,4"/>\n'
        f'<text x="{width // 2 + 30}" y="{legend_y + 16 * k + 4}" fill="{c}">{name}: {r:.0f}</text>\n'
        for k, ((name, r), c) in enumerate(zip(references.items(), colours)))
    pathlib.Path(path).write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        f'font-size="12">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n'
        f'<text x="{left}" y="18">DQN ({network}) on {JUNCTION} (hangzhou_real): return per training episode</text>\n'
        f'<text x="{left}" y="33">(minus the vehicles halting on its approaches, summed over its decisions; higher is better)</text>\n'
        f'<line x1="{left}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>\n'
        f'<line x1="{left}" y1="{pad}" x2="{left}" y2="{height - pad}" stroke="black"/>\n'
        f'<text x="{left}" y="{height - pad + 16}">episode 1</text>\n'
        f'<text x="{width - pad}" y="{height - pad + 16}" text-anchor="end">episode {len(returns)}</text>\n'
        f'<text x="{left - 4}" y="{pad + 4}" text-anchor="end">{hi:.0f}</text>\n'
        f'<text x="{left - 4}" y="{height - pad}" text-anchor="end">{lo:.0f}</text>\n'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>\n'
        f'{lines}'
        + (f'<text x="{left}" y="{height - 8}">dashed: one episode of each controller on the comparison\'s seed, '
           'which training did not use</text>\n' if references else "")
        + "</svg>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "hangzhou_real.toml"))
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0, help="the agent's seed (network, exploration, replay)")
    parser.add_argument("--eval-seed", type=int, default=1000,
                        help="scenario seed of the comparison (training uses seeds 1 to --episodes)")
    parser.add_argument("--jitter", type=float, default=60.0, help="demand.departure_jitter_s, s")
    parser.add_argument("--driver-variation", type=float, default=0.1, help="dynamics.driver_variation")
    parser.add_argument("--network", choices=("torch", "numpy"),
                        help="Q-network: PyTorch, or numpy only (default: torch when it is installed)")
    parser.add_argument("--svg", help="write the learning curve here")
    args = parser.parse_args(argv)

    if args.network is None:
        args.network = "torch" if torch is not None else "numpy"
        if torch is None:
            print(f"{TORCH_MISSING}: using the numpy Q-network", file=sys.stderr)
    elif args.network == "torch" and torch is None:
        print(f"dqn_junction.py: --network torch: {TORCH_MISSING}; use --network numpy", file=sys.stderr)
        return 2
    if 1 <= args.eval_seed <= args.episodes:
        print(f"dqn_junction.py: --eval-seed {args.eval_seed} is one of the training seeds (1 to {args.episodes})",
              file=sys.stderr)
        return 2

    start = time.process_time()
    overrides = {"demand.departure_jitter_s": args.jitter, "dynamics.driver_variation": args.driver_variation}
    network, returns = train(args.episodes, args.seed, args.scenario, args.network, overrides)
    print(f"trained {args.episodes} episodes with the {args.network} Q-network in "
          f"{time.process_time() - start:.0f} s of CPU", flush=True)
    seed = args.eval_seed
    results = {
        "fixed time": evaluate(args.scenario, None, seed, overrides),
        "max pressure": evaluate(args.scenario, max_pressure, seed, overrides),
        "DQN (greedy)": evaluate(args.scenario, lambda env, obs: int(network(obs[None])[0].argmax()), seed, overrides),
    }
    if args.svg:
        write_svg(args.svg, returns, args.network, {name: r["return"] for name, r in results.items()})
    print(f"\nscenario seed {seed} (not trained on), departure jitter {args.jitter:g} s, "
          f"driver variation {args.driver_variation:g}")
    print(f"{JUNCTION} controlled by      mean travel time (network)   vehicles halting on its approaches   return")
    for name, r in results.items():
        print(f"  {name:14s}        {r['travel_time_s']:8.1f} s               {r['halting']:6.2f}"
              f"                            {r['return']:8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

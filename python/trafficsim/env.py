"""Signal-control environments following the Gymnasium and PettingZoo APIs, without needing them.

* :class:`TrafficSignalEnv` - Gymnasium single-agent API: one junction is the agent, every other
  junction keeps the scenario's signal policy.
  ``reset(seed=None, options=None) -> (obs, info)``,
  ``step(action) -> (obs, reward, terminated, truncated, info)``.
* :class:`ParallelTrafficSignalEnv` - PettingZoo parallel API: each chosen junction (all signalised
  ones by default) is an agent named after the junction.
  ``reset(seed=None, options=None) -> (observations, infos)``,
  ``step(actions) -> (observations, rewards, terminations, truncations, infos)``.

The MDP follows sumo-rl's defaults:

* action: the index of the green phase to serve (``Junction.phases``);
* an agent acts every ``delta_time`` seconds; a change of phase goes through ``yellow_time`` of
  yellow (and the scenario's all-red unless ``all_red_time`` is given) and a phase is green for at
  least ``min_green`` seconds. Unlike sumo-rl, these rules are enforced by the engine's signal
  controller (the same code that protects every built-in policy), not by the environment: an action
  that asks to leave a phase before its minimum green is applied as soon as the minimum is reached.
* observation, per agent, a float32 vector in [0, 1]:
  ``[phase one-hot, min-green flag, density of each incoming lane, queue of each incoming lane]``.
  The one-hot marks the phase that is green or comes after the current clearance; the flag is 1
  when the junction is green and has been for at least ``min_green`` (it may change now). Density
  is vehicles / capacity and queue is halting vehicles (below 0.1 m/s) / capacity, with capacity =
  lane length / 7.5 m (a 5 m vehicle plus a 2.5 m gap, as sumo-rl), both clipped to 1.
* reward (``reward=``), per agent, over its incoming lanes (outgoing lanes for pressure):

  - ``"diff-waiting-time"`` (default): previous minus current total waiting time / 100, where a
    vehicle's waiting time is how long it has been halted without moving (SUMO's waiting time; the
    engine does not keep sumo-rl's accumulated waiting time across stops);
  - ``"pressure"``: vehicles on outgoing lanes minus vehicles on incoming lanes (sumo-rl's sign);
  - ``"queue"``: minus the halting vehicles;
  - ``"delay"``: minus the sum over vehicles of (1 - speed / speed limit), the rate at which they
    lose time against free flow;
  - ``"average-speed"``: mean of speed / speed limit over the vehicles (1 when there are none);
  - or a callable ``f(env, agent) -> float``.
* episodes end by truncation when the simulated time reaches ``num_seconds`` (the scenario's
  duration by default); ``terminations`` are always False.

A step is one call into the binding (``trafficsim._core.EnvCore``, python/src/env_kernel.h): it
takes the actions, requests the phases, steps with the GIL released and computes every agent's
observation, built-in reward and info in C++ over index arrays made once; only a callable reward
runs in Python. Each observation is a view of one new float32 array per step (rows of an
``(agents, length)`` array when all lengths are equal), never overwritten later.

``reset`` rebuilds the world on the network and demand already loaded (no file is read unless a new
seed asks for new demand), so resets take milliseconds and memory stays flat. ``reset()`` without a
seed repeats the episode of the last seed: the engine is deterministic, and the seed only varies
what the scenario draws from it (``demand.departure_jitter_s``, ``dynamics.driver_variation``).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from . import Simulation, override_strings
from ._core import EnvCore as _EnvCore

#: Lane length one vehicle takes in sumo-rl's density and queue: a 5 m car plus a 2.5 m gap.
VEHICLE_SPACE_M = 7.5

REWARDS = ("diff-waiting-time", "pressure", "queue", "delay", "average-speed")

try:  # Use Gymnasium's spaces when it is installed, so that its wrappers accept ours.
    import gymnasium as _gymnasium
    from gymnasium import spaces as _spaces
except ImportError:  # pragma: no cover - exercised when gymnasium is absent
    _gymnasium = None
    _spaces = None


class Discrete:
    """The integers 0 .. n-1 (a stand-in for ``gymnasium.spaces.Discrete``)."""

    def __init__(self, n: int, seed: int | None = None) -> None:
        self.n = int(n)
        self.shape = ()
        self.dtype = np.int64
        self._rng = np.random.default_rng(seed)

    def seed(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)

    def sample(self) -> int:
        return int(self._rng.integers(self.n))

    def contains(self, x: Any) -> bool:
        try:
            return int(x) == x and 0 <= int(x) < self.n
        except (TypeError, ValueError):
            return False

    __contains__ = contains

    def __repr__(self) -> str:
        return f"Discrete({self.n})"


class Box:
    """A box of float32 vectors (a stand-in for ``gymnasium.spaces.Box``)."""

    def __init__(self, low: float, high: float, shape: tuple[int, ...], dtype=np.float32,
                 seed: int | None = None) -> None:
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.low = np.full(self.shape, low, dtype=self.dtype)
        self.high = np.full(self.shape, high, dtype=self.dtype)
        self._rng = np.random.default_rng(seed)

    def seed(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)

    def sample(self) -> np.ndarray:
        return self._rng.uniform(self.low, self.high).astype(self.dtype)

    def contains(self, x: Any) -> bool:
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all(x >= self.low) and np.all(x <= self.high))

    __contains__ = contains

    def __repr__(self) -> str:
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"


def _discrete(n: int):
    return _spaces.Discrete(n) if _spaces is not None else Discrete(n)


def _box(size: int):
    if _spaces is not None:
        return _spaces.Box(low=0.0, high=1.0, shape=(size,), dtype=np.float32)
    return Box(0.0, 1.0, (size,))


class _Agent:
    """Index arrays of one controlled junction."""

    def __init__(self, junction, lane_length_m: np.ndarray, lane_speed_mps: np.ndarray) -> None:
        self.name = junction.name
        self.index = junction.index
        self.phase_count = len(junction.phases)
        self.incoming = np.array(junction.incoming_lanes, dtype=np.int64)
        self.outgoing = np.array(junction.outgoing_lanes, dtype=np.int64)
        self.capacity = np.maximum(lane_length_m[self.incoming] / VEHICLE_SPACE_M, 1.0)
        self.speed_limit = lane_speed_mps[self.incoming]
        self.size = self.phase_count + 1 + 2 * len(self.incoming)


class ParallelTrafficSignalEnv:
    """PettingZoo-style parallel environment: several junctions act at once.

    Parameters
    ----------
    scenario:
        Scenario file (TOML), as for ``trafficsim run``.
    agents:
        Junctions to control (names or indices), or a callable ``f(network) -> junctions``;
        default: every signalised junction. The others keep the scenario's policy (or ``policy``).
    delta_time, yellow_time, min_green:
        Seconds between actions, of yellow, and of minimum green (sumo-rl's defaults 5, 2, 5).
        ``yellow_time`` and ``min_green`` become the scenario's ``signals.yellow_s`` and
        ``signals.min_green_s``; ``None`` keeps the scenario's values.
    all_red_time:
        ``signals.all_red_s``; ``None`` keeps the scenario's.
    reward:
        One of :data:`REWARDS` or a callable ``f(env, agent) -> float``.
    num_seconds:
        Episode length in simulated seconds (default: the scenario's duration).
    seed, threads, overrides, policy, policy_params:
        As for :class:`trafficsim.Simulation`.
    """

    metadata = {"name": "trafficsim_signals_v0", "render_modes": [], "is_parallelizable": True}
    render_mode = None

    def __init__(self, scenario: str | os.PathLike, *, agents: Iterable[int | str] | None = None,
                 delta_time: float = 5.0, yellow_time: float | None = 2.0,
                 min_green: float | None = 5.0, all_red_time: float | None = None,
                 reward: str | Callable[["ParallelTrafficSignalEnv", str], float] = "diff-waiting-time",
                 num_seconds: float | None = None, seed: int | None = None, threads: int = 1,
                 overrides: Mapping[str, Any] | Iterable[str] | None = None,
                 policy: str | None = None, policy_params: Mapping[str, float] | None = None) -> None:
        if not callable(reward) and reward not in REWARDS:
            raise ValueError(f"reward {reward!r}: expected one of {', '.join(REWARDS)} or a callable")
        if not delta_time > 0:
            raise ValueError(f"delta_time must be > 0, got {delta_time}")
        timing: dict[str, float] = {}
        if yellow_time is not None:
            timing["signals.yellow_s"] = float(yellow_time)
        if min_green is not None:
            timing["signals.min_green_s"] = float(min_green)
        if all_red_time is not None:
            timing["signals.all_red_s"] = float(all_red_time)
        # The environment's timing comes after the caller's overrides, so it wins.
        strings = override_strings(overrides) + override_strings(timing)
        self.sim = Simulation(scenario, seed=seed, threads=threads, overrides=strings,
                              policy=policy, policy_params=policy_params)
        self.delta_time = float(delta_time)
        self.steps_per_action = max(1, int(round(self.delta_time / self.sim.step_length)))
        self.min_green = float(min_green) if min_green is not None else None
        self.reward_spec = reward
        self.num_seconds = float(num_seconds) if num_seconds is not None else self.sim.duration
        self._seed = seed

        net = self.sim.network
        if agents is None:
            chosen = net.signals
        elif callable(agents):
            chosen = [net.junction(a) if isinstance(a, (int, str)) else a for a in agents(net)]
        else:
            chosen = [net.junction(a) for a in agents]
        if not chosen:
            raise ValueError(f"{scenario}: no junction to control (the scenario has no signalised junction)")
        for j in chosen:
            if not j.signalised:
                raise ValueError(f"junction '{j.name}' has no signal program; it cannot be an agent")
        self._agents = {j.name: _Agent(j, net.lane_length_m, net.lane_speed_limit_mps) for j in chosen}
        self.possible_agents = [j.name for j in chosen]
        self.agents: list[str] = []
        self._observation_spaces = {a: _box(s.size) for a, s in self._agents.items()}
        self._action_spaces = {a: _discrete(s.phase_count) for a, s in self._agents.items()}
        self._min_green_s = self.sim.signal_timing["min_green_s"]
        self._core = self._make_core()

    # -- PettingZoo API -------------------------------------------------------------------------
    def observation_space(self, agent: str):
        return self._observation_spaces[agent]

    def action_space(self, agent: str):
        return self._action_spaces[agent]

    @property
    def observation_spaces(self) -> dict:
        return dict(self._observation_spaces)

    @property
    def action_spaces(self) -> dict:
        return dict(self._action_spaces)

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    @property
    def max_num_agents(self) -> int:
        return len(self.possible_agents)

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Start a new episode at time 0; returns ``(observations, infos)``.

        ``seed`` replaces the scenario's seed (it shapes seeded demand and driver variation); the
        same seed gives the same episode. The network is not reloaded.
        """
        if seed is not None:
            self._seed = seed
            for i, space in enumerate(list(self._action_spaces.values())
                                      + list(self._observation_spaces.values())):
                space.seed(seed + i)
        self.sim.reset(seed=self._seed)
        self.agents = list(self.possible_agents)
        return self._core.reset()

    def step(self, actions: Mapping[str, int]):
        """Apply the agents' phases, advance ``delta_time`` seconds and observe.

        Returns ``(observations, rewards, terminations, truncations, infos)``, each a dict keyed
        by agent. Raises ``IndexError`` for a phase out of range and ``KeyError`` for an unknown
        agent; agents without an action keep their current request.
        """
        if not self.agents:
            raise RuntimeError("step() after the episode ended; call reset()")
        # One call: the phases requested, delta_time simulated, every observation, reward and info.
        observations, rewards, terminations, truncations, infos, ended = self._core.step(actions)
        if rewards is None:
            rewards = {a: float(self.reward_spec(self, a)) for a in self.possible_agents}
        if ended:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The observations of every agent, concatenated in ``possible_agents`` order."""
        return self._core.flat.copy()

    def render(self) -> None:
        return None

    def close(self) -> None:
        self.agents = []

    # -- observation and reward -----------------------------------------------------------------
    def _make_core(self) -> _EnvCore:
        """The C++ side of step and reset (python/src/env_kernel.h): flat index arrays over every
        agent, so that one call observes and rewards all of them without a Python loop."""
        agents = [self._agents[a] for a in self.possible_agents]
        spec = self.reward_spec
        return _EnvCore(
            self.sim, self.possible_agents,
            [a.index for a in agents], [a.phase_count for a in agents],
            np.concatenate([a.incoming for a in agents]).tolist(), [len(a.incoming) for a in agents],
            np.concatenate([a.outgoing for a in agents]).tolist(), [len(a.outgoing) for a in agents],
            np.concatenate([a.capacity for a in agents]).tolist(),
            np.concatenate([a.speed_limit for a in agents]).tolist(),
            float(self._min_green_s), -1 if callable(spec) else REWARDS.index(spec),
            self.steps_per_action, self.num_seconds)

    def observation(self, agent: str) -> np.ndarray:
        """The current observation of ``agent`` (as last returned by reset or step)."""
        return self._core.observation(agent)


class TrafficSignalEnv:
    """Gymnasium-style single-agent environment: one junction acts, the others keep their policy.

    ``junction`` names the agent (name or index; default: the first signalised junction). Every
    other argument is as for :class:`ParallelTrafficSignalEnv`.
    """

    metadata = {"render_modes": []}
    render_mode = None
    spec = None

    def __init__(self, scenario: str | os.PathLike, *, junction: int | str | None = None, **kwargs) -> None:
        if "agents" in kwargs:
            raise TypeError("TrafficSignalEnv takes junction=, not agents= (see ParallelTrafficSignalEnv)")
        self.env = ParallelTrafficSignalEnv(
            scenario, agents=(lambda net: net.signals[:1]) if junction is None else [junction], **kwargs)
        self.agent = self.env.possible_agents[0]
        self.observation_space = self.env.observation_space(self.agent)
        self.action_space = self.env.action_space(self.agent)
        self.np_random = np.random.default_rng()

    @property
    def sim(self) -> Simulation:
        """The simulation underneath (for reading results)."""
        return self.env.sim

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start a new episode; returns ``(observation, info)``."""
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
        observations, infos = self.env.reset(seed=seed, options=options)
        return observations[self.agent], infos[self.agent]

    def step(self, action: int):
        """Returns ``(observation, reward, terminated, truncated, info)``."""
        obs, rewards, terminations, truncations, infos = self.env.step({self.agent: action})
        return (obs[self.agent], rewards[self.agent], terminations[self.agent],
                truncations[self.agent], infos[self.agent])

    def render(self) -> None:
        return None

    def close(self) -> None:
        self.env.close()

    @property
    def unwrapped(self) -> "TrafficSignalEnv":
        return self


def register_with_gymnasium() -> bool:
    """Register ``trafficsim/TrafficSignal-v0`` with Gymnasium when it is installed."""
    if _gymnasium is None:
        return False
    env_id = "trafficsim/TrafficSignal-v0"
    if env_id not in _gymnasium.envs.registry:
        _gymnasium.register(id=env_id, entry_point="trafficsim.env:TrafficSignalEnv")
    return True


register_with_gymnasium()

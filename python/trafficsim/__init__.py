"""trafficsim: control the trafficsim engine from Python.

Load any scenario the command line runs, step it, read observations as numpy arrays, set signal
phases, and collect the same results ``trafficsim run`` writes::

    import trafficsim
    sim = trafficsim.Simulation("scenarios/hangzhou_real.toml", seed=1)
    net = sim.network                       # junctions, phases, lanes
    while not sim.done:
        lanes = sim.lane_observations()     # dict of numpy arrays, one entry per lane
        sim.set_phase(net.signals[0].index, 1)
        sim.step(5)
    print(sim.summary()["travel_time_s"])
    trips = sim.trips()                     # dict of numpy arrays; pandas.DataFrame(trips) works

Guarantees: ``step`` releases the GIL (simulations in several threads run in parallel); the same
scenario, seed, overrides and control calls give bit-identical results for any ``threads``; bad
input raises ``LoadError`` (a ``ValueError``) with the command line's message, bad indices raise
``IndexError``, never a crash.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping

from ._core import LoadError, PolicyContext, policy_names
from ._core import Simulation as _CoreSimulation
from .network import Junction, Lane, Movement, Network, Phase, Road

__all__ = [
    "Junction",
    "Lane",
    "LoadError",
    "Movement",
    "Network",
    "Phase",
    "PolicyContext",
    "Road",
    "Simulation",
    "override_strings",
    "policy_names",
]


def _toml_value(value: Any) -> str:
    """The text of one ``--set`` value: TOML for booleans, numbers and lists, bare for strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(
            json.dumps(v) if isinstance(v, str) else _toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    raise TypeError(f"override value {value!r}: expected bool, int, float, str or a list of them")


def override_strings(overrides: Mapping[str, Any] | Iterable[str] | None = None, *,
                     policy: str | None = None,
                     policy_params: Mapping[str, float] | None = None,
                     seed: int | None = None) -> list[str]:
    """The ``key=value`` strings the command line's ``--set`` takes, in the order it applies them.

    ``overrides`` is a mapping of dotted keys to values (``{"signals.min_green_s": 10}``) or an
    iterable of ready ``"key=value"`` strings. As with ``trafficsim run``, the dedicated options
    come last so that they win over an override of the same key: the policy (``--policy``), its
    parameters, then the seed (``--seed``).
    """
    out: list[str] = []
    if overrides is None:
        pass
    elif isinstance(overrides, Mapping):
        for key, value in overrides.items():
            out.append(f"{key}={_toml_value(value)}")
    elif isinstance(overrides, str):
        raise TypeError("overrides: expected a mapping or a list of 'key=value' strings, got a str")
    else:
        out.extend(str(item) for item in overrides)
    if policy is not None:
        out.append(f"signals.policy={policy}")
    for key, value in (policy_params or {}).items():
        out.append(f"signals.params.{key}={_toml_value(float(value))}")
    if seed is not None:
        if isinstance(seed, bool) or int(seed) != seed or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        out.append(f"scenario.seed={int(seed)}")
    return out


class Simulation(_CoreSimulation):
    """One run of a scenario, stepped from Python.

    Parameters
    ----------
    scenario:
        Path of a scenario file (TOML), as for ``trafficsim run``.
    seed:
        Replaces ``[scenario] seed`` (``--seed``); ``None`` keeps the file's.
    threads:
        Worker threads of this simulation (0: one per core). Results do not depend on it.
    overrides:
        ``--set`` pairs: a mapping ``{"dynamics.lane_changing": False}`` or ``["key=value", ...]``.
    policy, policy_params:
        The signal policy by name (see :func:`policy_names`) and its parameters
        (``signals.params``); junctions not controlled with :meth:`set_phase` follow it.
    validate:
        Check the engine's invariants after every step (slow; for tests).
    min_vehicles_for_parallel:
        Vehicles in the network from which a step uses several threads (engine default 3000);
        tests lower it to exercise the parallel path on small scenarios.

    Raises ``LoadError`` for a bad scenario, map, demand, key or policy, with the message
    ``trafficsim run`` prints (file, entity, reason).
    """

    def __init__(self, scenario: str | os.PathLike, seed: int | None = None, threads: int = 1,
                 overrides: Mapping[str, Any] | Iterable[str] | None = None, *,
                 policy: str | None = None, policy_params: Mapping[str, float] | None = None,
                 validate: bool = False, min_vehicles_for_parallel: int | None = None) -> None:
        super().__init__(os.fspath(scenario),
                         override_strings(overrides, policy=policy, policy_params=policy_params,
                                          seed=seed),
                         int(threads), bool(validate), min_vehicles_for_parallel)
        self._network: Network | None = None

    def __repr__(self) -> str:
        return (f"<trafficsim.Simulation {self.name!r} t={self.time:g}/{self.duration:g} s "
                f"seed={self.seed} policy={self.policy!r}>")

    @property
    def network(self) -> Network:
        """The road network: junctions with their phases, roads, lanes, movements (cached)."""
        if self._network is None:
            self._network = Network(self._network_arrays())
        return self._network

    def summary(self) -> dict:
        """The run's figures so far, as ``summary.json`` holds them (nested dicts)."""
        return json.loads(self._summary_json())

    def step(self, n: int = 1) -> int:  # noqa: D401 (documented on the class)
        """Advance ``n`` steps (fewer if the scenario ends); returns the steps done.

        The GIL is released while the engine runs.
        """
        return super().step(int(n))

    def set_phase(self, junction: int | str, phase: int) -> None:
        """Serve ``phase`` (index into the junction's ``phases``) at ``junction`` from now on.

        The signal controller still inserts yellow and all-red and holds the current green for its
        minimum first; the request stays until the next ``set_phase`` or :meth:`release`. Raises
        ``IndexError`` for a junction or phase out of range, ``KeyError`` for an unknown name,
        ``ValueError`` for a junction without signals.
        """
        super().set_phase(junction, int(phase))

    def set_phases(self, junctions, phases) -> None:
        """Vector form of :meth:`set_phase`: ``junctions`` and ``phases`` are equal-length integer
        arrays. All requests are applied, or none when one is out of range (``IndexError``)."""
        super().set_phases(junctions, phases)

    def set_policy(self, policy, junctions=None) -> None:
        """Let a Python callable decide ``junctions`` (default: every signalised one).

        ``policy(context) -> phase`` is called where the engine consults its signal policy: inside
        each step, after the step's new vehicles have entered, for each junction whose current
        green has had its minimum; ``context`` (:class:`PolicyContext`) carries the junction, the
        time, the current phase and how long it has been green, and ``context.lanes``, the lane
        sensors the built-in policies read. Returning ``context.phase`` holds it; another phase is
        served after the controller's yellow and all-red. Requests made with :meth:`set_phase`
        still take precedence, and the other junctions keep the scenario's policy.

        Only before the first step (or right after :meth:`reset`, which keeps the policy);
        ``None`` removes it. The callable must not call this simulation. An exception it raises
        stops :meth:`step` after the current step and is raised from there.
        """
        super().set_policy(policy, None if junctions is None else list(junctions))

    def snapshot(self) -> bytes:
        """The complete state of the simulation as bytes; the same as :meth:`checkpoint`.

        :meth:`restore` continues from it bit-identically (the same trips, time series and state
        at every later step as a run never stopped), here or in another ``Simulation`` of the same
        scenario, seed and overrides; ``trafficsim run --resume FILE`` takes the same bytes from a
        file. ``set_phase`` requests are part of the state; a ``set_policy`` callable is not.
        """
        return self.checkpoint()

    def run(self) -> dict:
        """Step to the end of the scenario and return :meth:`summary`."""
        while not self.done:
            self.step(3600)
        return self.summary()


# The environments import Simulation from here; importing them last registers them with
# Gymnasium when it is installed.
from .env import ParallelTrafficSignalEnv, TrafficSignalEnv  # noqa: E402

__all__ += ["ParallelTrafficSignalEnv", "TrafficSignalEnv"]

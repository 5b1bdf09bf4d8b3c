"""A drop-in for CityFlow's Python engine: ``from trafficsim import cityflow``.

Code written for CityFlow runs on trafficsim by changing its import::

    from trafficsim import cityflow          # instead of: import cityflow
    eng = cityflow.Engine("config.json", thread_num=1)
    for _ in range(3600):
        eng.next_step()
    print(eng.get_average_travel_time())

:class:`Engine` reads a CityFlow config file (``interval``, ``seed``, ``dir``, ``roadnetFile``,
``flowFile``, ``rlTrafficLight``, ``laneChange``; replay keys are accepted and ignored) and offers
the methods CityFlow RL code calls, with CityFlow's ids: vehicles are ``flow_<entry>_<k>`` as
CityFlow names them, lanes ``<road id>_<lane index>`` (``road_1_0_1_0``), intersections by their
roadnet id, and phase indices count the roadnet's ``lightphases`` as CityFlow does.

Differences from CityFlow, all consequences of trafficsim being a different simulator:

* Dynamics: trafficsim's vehicles follow the Intelligent Driver Model, yield at conflicts and never
  block a junction, so figures differ from CityFlow's on the same files.
* Signals: the roadnet's right-turn-only phases (CityFlow's clearance, usually phase 0) are not
  phases in trafficsim; its controller inserts yellow (3 s) and all-red (2 s) itself and holds each
  green for at least 5 s (``signals.*`` in ``overrides`` change that). ``set_tl_phase`` to such a
  clearance phase keeps the current green requested (the controller clears when the next green is
  set); to any other phase it requests that green, which the controller serves after its own
  clearance. With ``rlTrafficLight`` false the roadnet's plan runs as a fixed-time programme; with
  it true every signal holds its first green phase until ``set_tl_phase`` (CityFlow holds
  lightphase 0, usually its clearance phase, in which only right turns may go). ``set_tl_phase``
  without ``rlTrafficLight`` prints CityFlow's message and does nothing, as CityFlow does.
* Errors: unknown intersections and phases raise ``KeyError``/``IndexError`` (CityFlow crashes or
  ignores them); bad files raise ``trafficsim.LoadError`` naming the file, entity and reason; an
  unknown vehicle id raises ``VehicleNotFound``, both a ``KeyError`` and CityFlow's ``RuntimeError``.
* The seed: trafficsim draws nothing at random on CityFlow data (the flows are exact and its
  models deterministic), so ``seed`` and ``set_random_seed`` do not change a run; runs are
  reproducible bit for bit for any ``thread_num``.
* Flows whose ``endTime`` is -1 (unbounded in CityFlow) are refused at load; ``get_vehicle_info``
  names the connector a vehicle is on inside a junction ``<from lane>_TO_<to lane>``.
* ``snapshot`` returns an :class:`Archive` holding the engine's complete state (a trafficsim
  checkpoint, not CityFlow's JSON); ``load`` continues from it bit-identically, on this engine or
  another of the same config; ``Archive.dump(path)`` and ``load_from_file(path)`` go through a
  file. An archive of another config is refused with ``trafficsim.LoadError``.
* ``set_replay_file``, ``set_save_replay``, ``get_leader``,
  ``set_vehicle_speed`` and ``push_vehicle`` are not provided.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import tempfile
from typing import Any, Iterable, Mapping

import numpy as np

from . import Simulation, override_strings

class Archive:
    """The state of an :class:`Engine` at one instant (``Engine.snapshot()``), as CityFlow's
    ``Archive``: give it to ``Engine.load``, or ``dump`` it to a file for ``load_from_file``."""

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)

    def dump(self, path: str | os.PathLike) -> None:
        """Write the archive to ``path`` (a binary trafficsim checkpoint)."""
        with open(path, "wb") as f:
            f.write(self.data)


class VehicleNotFound(KeyError, RuntimeError):
    """An id that names no vehicle in the network or waiting to enter (CityFlow raises RuntimeError)."""


#: Simulated seconds a CityFlow engine may run: CityFlow has no end time, so the scenario behind an
#: Engine lasts a year; only ``next_step`` calls decide how far a run goes.
HORIZON_S = 365 * 86400.0


def _clearance_phases(roadnet: dict) -> dict[str, list[int | None]]:
    """Per intersection with a signal, CityFlow phase index -> trafficsim phase (None: clearance).

    trafficsim's CityFlow loader drops the phases that give green to right turns only (CityFlow's
    clearance intervals) and keeps the others in order; this mirrors that rule.
    """
    mapping: dict[str, list[int | None]] = {}
    for inter in roadnet.get("intersections", []):
        light = inter.get("trafficLight")
        links = inter.get("roadLinks", [])
        if inter.get("virtual") or not links or not light:
            continue
        indices = light.get("roadLinkIndices", [])
        kept: list[int | None] = []
        k = 0
        for phase in light.get("lightphases", []):
            right_only = all(links[indices[i]]["type"] == "turn_right" for i in phase["availableRoadLinks"])
            if right_only:
                kept.append(None)
            else:
                kept.append(k)
                k += 1
        mapping[inter["id"]] = kept
    return mapping


class Engine:
    """CityFlow's ``cityflow.Engine`` on top of :class:`trafficsim.Simulation`.

    ``config_file`` is a CityFlow config JSON; ``thread_num`` the worker threads (results do not
    depend on it). ``overrides`` (an extension) are ``--set`` pairs applied to the scenario built
    from the config, e.g. ``{"signals.min_green_s": 0}``.
    """

    def __init__(self, config_file: str | os.PathLike = "", thread_num: int = 1,
                 overrides: Mapping[str, Any] | Iterable[str] | None = None) -> None:
        self.config_file = pathlib.Path(config_file)
        with open(self.config_file) as f:
            try:
                config = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f"{config_file}:{e.lineno}: malformed JSON: {e.msg}") from None
        for key in ("roadnetFile", "flowFile"):
            if key not in config:
                raise ValueError(f"{config_file}: missing key '{key}'")
        base = pathlib.Path(config.get("dir", ""))
        if not base.is_absolute():
            # CityFlow resolves `dir` against the working directory; so do we.
            base = pathlib.Path.cwd() / base
        self.roadnet_file = (base / config["roadnetFile"]).resolve()
        self.flow_file = (base / config["flowFile"]).resolve()
        self.interval = float(config.get("interval", 1.0))
        self.config_seed = int(config.get("seed", 0))
        self.rl_traffic_light = bool(config.get("rlTrafficLight", False))
        self.lane_change = bool(config.get("laneChange", False))
        self._sim = self._load(thread_num, overrides)  # LoadError for bad files, before we read them
        with open(self.roadnet_file) as f:
            self._phase_map = _clearance_phases(json.load(f))
        net = self._sim.network
        self._lane_names = np.array(net.lane_names, dtype=object)
        self._connector_names = np.array(
            [f"{net.lanes[a].name}_TO_{net.lanes[b].name}"
             for a, b in zip(net.connector_from_lane.tolist(), net.connector_to_lane.tolist())], dtype=object)
        self._trip_ids = np.array(self._sim.trip_ids(), dtype=object)
        self._lanes: dict = {}
        self._hold_first_phases()

    def _load(self, threads: int, overrides) -> Simulation:
        scenario = (
            "# Written by trafficsim.cityflow.Engine from a CityFlow config.\n"
            "[scenario]\n"
            f"name = {json.dumps(self.config_file.stem or 'cityflow')}\n"
            f"duration_s = {HORIZON_S!r}\n"
            f"step_s = {self.interval!r}\n"
            f"seed = {self.config_seed}\n"
            "[map]\n"
            f"cityflow = {json.dumps(str(self.roadnet_file))}\n"
            "[demand]\n"
            f"cityflow_flows = [{json.dumps(str(self.flow_file))}]\n"
            "[signals]\n"
            'policy = "fixed_time"\n'
            "[dynamics]\n"
            f"lane_changing = {'true' if self.lane_change else 'false'}\n"
        )
        with tempfile.TemporaryDirectory(prefix="trafficsim-cityflow-") as tmp:
            path = pathlib.Path(tmp) / "scenario.toml"
            path.write_text(scenario)
            return Simulation(path, threads=threads, overrides=override_strings(overrides))

    def _hold_first_phases(self) -> None:
        if not self.rl_traffic_light:
            return
        for junction in self._sim.network.signals:
            self._sim.set_phase(junction.index, 0)

    # -- simulation -------------------------------------------------------------------------------
    def next_step(self) -> None:
        """Advance one ``interval``."""
        if self._sim.step(1) != 1:
            raise RuntimeError(f"the engine reached its horizon of {HORIZON_S:.0f} simulated seconds")

    def get_current_time(self) -> float:
        return float(self._sim.time)

    def reset(self, seed: bool = False) -> None:
        """Back to time 0 without reloading the files. ``seed`` (CityFlow: restore the config's
        random seed) is accepted; nothing is drawn at random on CityFlow data."""
        self._sim.reset()
        self._hold_first_phases()

    def snapshot(self) -> Archive:
        """The complete state of the engine (vehicles, signals, set_tl_phase requests, counters)."""
        return Archive(self._sim.checkpoint())

    def load(self, archive: Archive) -> None:
        """Continue from a :meth:`snapshot` of an engine of the same config, bit-identically."""
        self._sim.restore(archive.data if isinstance(archive, Archive) else bytes(archive))

    def load_from_file(self, path: str | os.PathLike) -> None:
        """:meth:`load` an archive written by ``Archive.dump``."""
        with open(path, "rb") as f:
            self._sim.restore(f.read())

    def set_random_seed(self, seed: int) -> None:
        """Accepted for compatibility; it changes nothing, as nothing is drawn at random on
        CityFlow data (see the module notes)."""
        int(seed)  # CityFlow takes an int; refuse what it would refuse

    # -- vehicles ---------------------------------------------------------------------------------
    def _vehicles(self) -> dict:
        return self._sim.vehicle_observations()

    def get_vehicle_count(self) -> int:
        """Vehicles running in the network (not those waiting to enter)."""
        return int(self._sim.counts()["running"])

    def get_vehicles(self, include_waiting: bool = False) -> list[str]:
        ids = self._trip_ids[self._vehicles()["id"]].tolist()
        if include_waiting:
            ids += self._trip_ids[self._sim.waiting_to_enter()].tolist()
        return ids

    def get_vehicle_speed(self) -> dict[str, float]:
        v = self._vehicles()
        return dict(zip(self._trip_ids[v["id"]].tolist(), v["speed"].tolist()))

    def get_vehicle_distance(self) -> dict[str, float]:
        """Distance of each running vehicle from the start of its lane or junction connector."""
        v = self._vehicles()
        return dict(zip(self._trip_ids[v["id"]].tolist(), v["position"].tolist()))

    def get_vehicle_info(self, vehicle_id: str) -> dict[str, str]:
        """CityFlow's per-vehicle strings: running, speed, distance, drivable, road or intersection
        and the route from the current road on. A vehicle waiting to enter reads ``running`` "0";
        one not departed yet or already arrived raises :class:`VehicleNotFound`, as CityFlow raises
        for vehicles it does not hold."""
        index = self._trip_index(vehicle_id)
        v = self._vehicles()
        where = np.nonzero(v["id"] == index)[0]
        if len(where) == 0:
            if index in set(self._sim.waiting_to_enter().tolist()):
                return {"running": "0"}
            raise VehicleNotFound(f"Vehicle '{vehicle_id}' not found")
        k = int(where[0])
        net = self._sim.network
        info = {"running": "1", "speed": repr(float(v["speed"][k])), "distance": repr(float(v["position"][k]))}
        lane = int(v["lane"][k])
        if lane >= 0:
            road = net.lanes[lane].road
            info["drivable"] = str(self._lane_names[lane])
            info["road"] = net.roads[road].name
        else:
            connector = int(v["connector"][k])
            movement = net.movements[int(net.connector_movement[connector])]
            info["drivable"] = str(self._connector_names[connector])
            info["intersection"] = net.junctions[movement.junction].name
            road = movement.to_road
        route = self._sim.trip_route(index)
        start = route.index(road) if road in route else 0
        info["route"] = " ".join(net.roads[r].name for r in route[start:]) + " "
        return info

    def _trip_index(self, vehicle_id: str) -> int:
        if not hasattr(self, "_trip_of"):
            self._trip_of = {name: i for i, name in enumerate(self._trip_ids.tolist())}
        try:
            return self._trip_of[vehicle_id]
        except KeyError:
            raise VehicleNotFound(f"Vehicle '{vehicle_id}' not found") from None

    # -- lanes ------------------------------------------------------------------------------------
    def get_lane_vehicle_count(self) -> dict[str, int]:
        lanes = self._sim.lane_observations(self._lanes)
        return dict(zip(self._lane_names.tolist(), lanes["vehicles"].tolist()))

    def get_lane_waiting_vehicle_count(self) -> dict[str, int]:
        """Vehicles below 0.1 m/s per lane, as CityFlow counts them."""
        lanes = self._sim.lane_observations(self._lanes)
        return dict(zip(self._lane_names.tolist(), lanes["halting"].tolist()))

    def get_lane_vehicles(self) -> dict[str, list[str]]:
        """Vehicle ids per lane, front (nearest the stop line) first."""
        v = self._vehicles()
        on_lane = v["lane"] >= 0
        out: dict[str, list[str]] = {name: [] for name in self._lane_names.tolist()}
        for lane, trip in zip(v["lane"][on_lane].tolist(), v["id"][on_lane].tolist()):
            out[self._lane_names[lane]].append(self._trip_ids[trip])
        return out

    # -- results and control ----------------------------------------------------------------------
    def get_average_travel_time(self) -> float:
        """Mean travel time of the vehicles that have departed, counting those still on their way
        (and waiting to enter) by the time elapsed so far, as CityFlow does."""
        return float(self._sim.summary()["travel_time_s"]["mean_with_unfinished"])

    def set_tl_phase(self, intersection_id: str, phase_id: int) -> None:
        """Serve the roadnet's ``lightphases[phase_id]`` at ``intersection_id`` (see the module notes)."""
        if not self.rl_traffic_light:
            print("please set rlTrafficLight to true to enable traffic light control", file=sys.stderr)
            return
        try:
            phases = self._phase_map[intersection_id]
        except KeyError:
            raise KeyError(f"no signalised intersection '{intersection_id}'") from None
        phase = int(phase_id)
        if not 0 <= phase < len(phases):
            raise IndexError(f"intersection '{intersection_id}': phase {phase_id} out of range "
                             f"(it has {len(phases)} lightphases)")
        if phases[phase] is not None:
            self._sim.set_phase(intersection_id, phases[phase])

    @property
    def simulation(self) -> Simulation:
        """The trafficsim simulation underneath (an extension: summary, trips, observations)."""
        return self._sim


__all__ = ["Archive", "Engine", "HORIZON_S", "VehicleNotFound"]

"""The road network as agents see it: plain Python objects plus numpy index arrays.

Indices are the engine's: ``Lane.index`` is the position of a lane in every per-lane observation
array, ``Junction.index`` the position in every per-junction array, and phase indices are what
:meth:`trafficsim.Simulation.set_phase` takes. Lane names follow CityFlow's convention,
``<road name>_<lane index>`` with lane 0 the leftmost, so on CityFlow maps they are CityFlow's lane
ids (``road_1_0_1_0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Lane:
    """One lane of a road."""

    index: int
    name: str
    road: int                     #: index of its road
    index_in_road: int            #: 0 is the leftmost lane
    length_m: float
    speed_limit_mps: float
    width_m: float
    left: int | None              #: lane index of the neighbour on the left, if any
    right: int | None             #: lane index of the neighbour on the right, if any
    successors: tuple[int, ...]   #: lanes reachable through the downstream junction
    predecessors: tuple[int, ...]  #: lanes that lead onto this one


@dataclass(frozen=True)
class Road:
    """A directed road from one junction to another."""

    index: int
    name: str
    from_junction: int
    to_junction: int
    length_m: float
    lanes: tuple[int, ...]        #: lane indices, leftmost first


@dataclass(frozen=True)
class Movement:
    """A road-to-road turn at a junction: what a signal phase gives green to."""

    index: int
    junction: int
    from_road: int
    to_road: int
    turn: str                     #: "straight", "left", "right" or "uturn"
    lane_links: tuple[tuple[int, int], ...]  #: (incoming lane, outgoing lane) per connector


@dataclass(frozen=True)
class Phase:
    """One green stage of a junction's signal program."""

    index: int
    duration_s: float             #: the program's green time (fixed-time plans)
    movements: tuple[int, ...]    #: movement indices given green
    incoming_lanes: tuple[int, ...]  #: distinct lanes with a green connector, in movement order
    outgoing_lanes: tuple[int, ...]  #: distinct lanes those connectors lead onto
    #: distinct (incoming lane, outgoing lane) pairs of its green connectors, in movement order;
    #: the pairs max-pressure control sums over
    lane_links: tuple[tuple[int, int], ...]
    #: the yellow and all-red the controller shows after this phase, s: ``[signals] yellow_s`` and
    #: ``all_red_s``, or on a SUMO map the program's own clearance after this stage
    yellow_s: float = 0.0
    all_red_s: float = 0.0


@dataclass(frozen=True)
class Junction:
    """A junction; ``phases`` is empty for boundary and unsignalised junctions."""

    index: int
    name: str
    boundary: bool
    signalised: bool
    x: float
    y: float
    incoming_roads: tuple[int, ...]
    outgoing_roads: tuple[int, ...]
    incoming_lanes: tuple[int, ...]
    outgoing_lanes: tuple[int, ...]
    movements: tuple[int, ...]
    phases: tuple[Phase, ...]


class Network:
    """Junctions, roads, lanes and movements of a simulation, with index arrays for vector code.

    Array attributes (numpy, one entry per lane): ``lane_road``, ``lane_length_m``,
    ``lane_speed_limit_mps``, ``lane_to_junction`` (the junction at the lane's end); per road:
    ``road_from``, ``road_to``; per movement: ``movement_junction``, ``movement_from_road``,
    ``movement_to_road``; per connector: ``connector_from_lane``, ``connector_to_lane``,
    ``connector_movement``.
    """

    def __init__(self, raw: dict) -> None:
        self._raw = raw
        road_names = list(raw["road_name"])
        lane_road = np.asarray(raw["lane_road"])
        lane_index = np.asarray(raw["lane_index"])
        conn_from = np.asarray(raw["connector_from_lane"])
        conn_to = np.asarray(raw["connector_to_lane"])
        conn_movement = np.asarray(raw["connector_movement"])

        self.lane_road = lane_road
        self.lane_index_in_road = lane_index
        self.lane_length_m = np.asarray(raw["lane_length_m"])
        self.lane_speed_limit_mps = np.asarray(raw["lane_speed_limit_mps"])
        self.road_from = np.asarray(raw["road_from"])
        self.road_to = np.asarray(raw["road_to"])
        self.lane_to_junction = self.road_to[lane_road] if len(lane_road) else np.zeros(0, np.int32)
        self.movement_junction = np.asarray(raw["movement_junction"])
        self.movement_from_road = np.asarray(raw["movement_from_road"])
        self.movement_to_road = np.asarray(raw["movement_to_road"])
        self.connector_from_lane = conn_from
        self.connector_to_lane = conn_to
        self.connector_movement = conn_movement

        successors: list[list[int]] = [[] for _ in range(len(lane_road))]
        predecessors: list[list[int]] = [[] for _ in range(len(lane_road))]
        links_of_movement: list[list[tuple[int, int]]] = [[] for _ in raw["movement_turn"]]
        for c in range(len(conn_from)):
            a, b = int(conn_from[c]), int(conn_to[c])
            if b not in successors[a]:
                successors[a].append(b)
            if a not in predecessors[b]:
                predecessors[b].append(a)
            links_of_movement[int(conn_movement[c])].append((a, b))

        first = np.asarray(raw["road_first_lane"])
        count = np.asarray(raw["road_lane_count"])
        self.roads = [
            Road(r, road_names[r], int(self.road_from[r]), int(self.road_to[r]),
                 float(raw["road_length_m"][r]),
                 tuple(range(int(first[r]), int(first[r]) + int(count[r]))) if count[r] else ())
            for r in range(len(road_names))
        ]
        lanes_of_road = [road.lanes for road in self.roads]
        self.lanes = []
        for lane in range(len(lane_road)):
            road = int(lane_road[lane])
            k = int(lane_index[lane])
            siblings = lanes_of_road[road]
            self.lanes.append(Lane(
                index=lane, name=f"{road_names[road]}_{k}", road=road, index_in_road=k,
                length_m=float(self.lane_length_m[lane]),
                speed_limit_mps=float(self.lane_speed_limit_mps[lane]),
                width_m=float(raw["lane_width_m"][lane]),
                left=siblings[k - 1] if k > 0 else None,
                right=siblings[k + 1] if k + 1 < len(siblings) else None,
                successors=tuple(successors[lane]), predecessors=tuple(predecessors[lane])))
        self.movements = [
            Movement(m, int(self.movement_junction[m]), int(self.movement_from_road[m]),
                     int(self.movement_to_road[m]), str(raw["movement_turn"][m]),
                     tuple(links_of_movement[m]))
            for m in range(len(raw["movement_turn"]))
        ]
        movements_of_junction: list[list[int]] = [[] for _ in raw["junction_name"]]
        for m in self.movements:
            movements_of_junction[m.junction].append(m.index)

        self.junctions = []
        for j, name in enumerate(raw["junction_name"]):
            phases = []
            for p, (duration, green, yellow, all_red) in enumerate(raw["junction_phases"][j]):
                links: list[tuple[int, int]] = []
                for m in green:
                    for link in links_of_movement[m]:
                        if link not in links:
                            links.append(link)
                incoming = tuple(dict.fromkeys(a for a, _ in links))
                outgoing = tuple(dict.fromkeys(b for _, b in links))
                phases.append(Phase(p, float(duration), tuple(int(m) for m in green), incoming,
                                    outgoing, tuple(links), float(yellow), float(all_red)))
            incoming_roads = tuple(int(r) for r in raw["junction_incoming_roads"][j])
            outgoing_roads = tuple(int(r) for r in raw["junction_outgoing_roads"][j])
            self.junctions.append(Junction(
                index=j, name=str(name), boundary=bool(raw["junction_boundary"][j]),
                signalised=bool(raw["junction_signalised"][j]),
                x=float(raw["junction_x"][j]), y=float(raw["junction_y"][j]),
                incoming_roads=incoming_roads, outgoing_roads=outgoing_roads,
                incoming_lanes=tuple(lane for r in incoming_roads for lane in lanes_of_road[r]),
                outgoing_lanes=tuple(lane for r in outgoing_roads for lane in lanes_of_road[r]),
                movements=tuple(movements_of_junction[j]), phases=tuple(phases)))
        self._junction_by_name = {j.name: j for j in self.junctions}
        self._lane_by_name = {lane.name: lane for lane in self.lanes}
        self._road_by_name = {road.name: road for road in self.roads}

    @property
    def signals(self) -> list[Junction]:
        """The junctions with a signal program, in index order (the ones ``set_phase`` accepts)."""
        return [j for j in self.junctions if j.signalised]

    def junction(self, key: int | str) -> Junction:
        """A junction by index or name (``KeyError`` for an unknown name)."""
        return self._junction_by_name[key] if isinstance(key, str) else self.junctions[key]

    def lane(self, key: int | str) -> Lane:
        """A lane by index or name (``road_1_0_1_0``)."""
        return self._lane_by_name[key] if isinstance(key, str) else self.lanes[key]

    def road(self, key: int | str) -> Road:
        """A road by index or name."""
        return self._road_by_name[key] if isinstance(key, str) else self.roads[key]

    @property
    def lane_names(self) -> list[str]:
        return [lane.name for lane in self.lanes]

    def __repr__(self) -> str:
        return (f"<trafficsim.Network {len(self.junctions)} junctions ({len(self.signals)} "
                f"signalised), {len(self.roads)} roads, {len(self.lanes)} lanes>")

"""trafficsim.cityflow.Engine on the shipped CityFlow maps."""

import json

import numpy as np
import pytest

import trafficsim
from trafficsim import cityflow
from conftest import MAPS, SCENARIOS

DATASETS = {
    "hangzhou": ("hangzhou_4x4", "roadnet_4_4.json", "anon_4_4_hangzhou_real.json"),
    "jinan": ("jinan_3x4", "roadnet_3_4.json", "anon_3_4_jinan_real.json"),
    "newyork": ("newyork_16x3", "roadnet_16_3.json", "anon_16_3_newyork_real.json"),
}


def write_config(tmp_path, dataset, rl=False, lane_change=False, interval=1.0):
    folder, roadnet, flow = DATASETS[dataset]
    config = {"interval": interval, "seed": 0, "dir": str(MAPS / folder) + "/", "roadnetFile": roadnet,
              "flowFile": flow, "rlTrafficLight": rl, "laneChange": lane_change, "saveReplay": False,
              "roadnetLogFile": "replay_roadnet.json", "replayLogFile": "replay.txt"}
    path = tmp_path / f"{dataset}_config.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_ids_and_counts_follow_cityflow(tmp_path, dataset):
    eng = cityflow.Engine(str(write_config(tmp_path, dataset)), thread_num=1)
    folder, roadnet_file, flow_file = DATASETS[dataset]
    roadnet = json.loads((MAPS / folder / roadnet_file).read_text())
    flows = json.loads((MAPS / folder / flow_file).read_text())
    for _ in range(400):
        eng.next_step()
    assert eng.get_current_time() == pytest.approx(400)
    lane_counts = eng.get_lane_vehicle_count()
    assert set(lane_counts) == {f"{r['id']}_{i}" for r in roadnet["roads"] for i in range(len(r["lanes"]))}
    vehicles = eng.get_vehicles()
    assert len(vehicles) == eng.get_vehicle_count() > 0
    in_junctions = int((eng.simulation.vehicle_observations()["lane"] < 0).sum())
    assert sum(lane_counts.values()) + in_junctions == len(vehicles)
    # Vehicle ids are CityFlow's: flow_<entry>_<k>, k counting the entry's departures.
    for vid in vehicles:
        _, entry, k = vid.split("_")
        f = flows[int(entry)]
        assert int(k) <= (f["endTime"] - f["startTime"]) / f["interval"] + 1e-9
    waiting = eng.get_lane_waiting_vehicle_count()
    assert all(0 <= waiting[lane] <= lane_counts[lane] for lane in lane_counts)
    lane_vehicles = eng.get_lane_vehicles()
    assert {lane: len(v) for lane, v in lane_vehicles.items()} == lane_counts
    speeds, distances = eng.get_vehicle_speed(), eng.get_vehicle_distance()
    assert set(speeds) == set(distances) == set(vehicles)
    halted = {v for v, s in speeds.items() if s < 0.1}
    assert sum(waiting.values()) == sum(1 for lane in lane_vehicles.values() for v in lane if v in halted)
    net = eng.simulation.network
    for lane, ids in lane_vehicles.items():
        for vid in ids:
            assert 0 <= distances[vid] <= net.lane(lane).length_m + 1e-6
        # Front first: positions decrease along the list.
        assert all(distances[a] >= distances[b] for a, b in zip(ids, ids[1:]))


def test_fixed_plan_run_is_the_matching_scenario_run(tmp_path):
    eng = cityflow.Engine(str(write_config(tmp_path, "hangzhou")))
    sim = trafficsim.Simulation(SCENARIOS / "hangzhou_real.toml", overrides={"dynamics.lane_changing": False})
    for _ in range(900):
        eng.next_step()
    sim.step(900)
    ours, theirs = sim.trips(), eng.simulation.trips()
    np.testing.assert_array_equal(ours["arrive_s"], theirs["arrive_s"])
    assert eng.get_average_travel_time() == pytest.approx(sim.summary()["travel_time_s"]["mean_with_unfinished"])
    # CityFlow's definition: departed vehicles, the unfinished ones counted until now.
    travel = np.where(np.isnan(theirs["arrive_s"]), eng.get_current_time(), theirs["arrive_s"]) - theirs["depart_s"]
    assert eng.get_average_travel_time() == pytest.approx(travel.mean())


def test_set_tl_phase_maps_cityflow_phases(tmp_path, capsys):
    eng = cityflow.Engine(str(write_config(tmp_path, "hangzhou", rl=True)))
    sim = eng.simulation
    j = sim.network.junction("intersection_1_1").index
    for _ in range(60):
        eng.next_step()
    # Held at the first green while nobody sets a phase (CityFlow's rlTrafficLight).
    assert sim.signal_observations()["phase"][j] == 0
    eng.set_tl_phase("intersection_1_1", 5)  # CityFlow phase 5 is trafficsim's 4 (phase 0 is clearance)
    for _ in range(10):
        eng.next_step()
    assert sim.signal_observations()["phase"][j] == 4
    eng.set_tl_phase("intersection_1_1", 0)  # the clearance phase: the green request stays
    for _ in range(60):
        eng.next_step()
    assert sim.signal_observations()["phase"][j] == 4
    with pytest.raises(IndexError):
        eng.set_tl_phase("intersection_1_1", 9)
    with pytest.raises(KeyError):
        eng.set_tl_phase("intersection_0_1", 1)  # virtual: no signal
    plain = cityflow.Engine(str(write_config(tmp_path, "hangzhou", rl=False)))
    plain.set_tl_phase("intersection_1_1", 3)
    assert "rlTrafficLight" in capsys.readouterr().err
    assert plain.simulation.requested_phase("intersection_1_1") is None


def test_reset_replays_the_same_run(tmp_path):
    eng = cityflow.Engine(str(write_config(tmp_path, "jinan", lane_change=True)), thread_num=2)

    def trace():
        counts = []
        for _ in range(300):
            eng.next_step()
            counts.append(eng.get_vehicle_count())
        return counts, eng.get_average_travel_time()

    first = trace()
    eng.reset()
    assert eng.get_current_time() == 0 and eng.get_vehicles(include_waiting=True) == []
    assert trace() == first
    eng.set_random_seed(5)
    eng.reset()
    assert trace() == first  # nothing is random on CityFlow data


def test_interval_and_vehicle_info(tmp_path):
    eng = cityflow.Engine(str(write_config(tmp_path, "hangzhou", interval=0.5)))
    for _ in range(400):
        eng.next_step()
    assert eng.get_current_time() == pytest.approx(200)
    vid = eng.get_vehicles()[0]
    info = eng.get_vehicle_info(vid)
    assert info["running"] == "1" and float(info["speed"]) == pytest.approx(eng.get_vehicle_speed()[vid])
    assert info["drivable"] in eng.get_lane_vehicle_count() or "intersection" in info
    assert info["route"].split()[0] == info.get("road", info["route"].split()[0])
    trips = eng.simulation.trips()
    arrived = trips["id"][~np.isnan(trips["arrive_s"])][0]
    with pytest.raises(RuntimeError):  # CityFlow's exception for a vehicle it no longer holds
        eng.get_vehicle_info(str(arrived))
    with pytest.raises(KeyError):
        eng.get_vehicle_info("no_such_vehicle")


def test_bad_config_raises(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    with pytest.raises(ValueError):
        cityflow.Engine(str(broken))
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"dir": str(tmp_path), "roadnetFile": "nope.json", "flowFile": "f.json"}))
    with pytest.raises(trafficsim.LoadError) as e:
        cityflow.Engine(str(missing))
    assert "nope.json" in str(e.value)


def test_vehicles_waiting_to_enter(tmp_path):
    # Every signal held on its first green: the queues reach back to the entries and block them.
    eng = cityflow.Engine(str(write_config(tmp_path, "jinan", rl=True)))
    for _ in range(1800):
        eng.next_step()
    running = set(eng.get_vehicles())
    waiting = set(eng.get_vehicles(include_waiting=True)) - running
    assert len(waiting) == eng.simulation.counts()["waiting_to_enter"] > 0
    assert eng.get_vehicle_info(sorted(waiting)[0]) == {"running": "0"}
    assert eng.get_vehicle_count() == len(running)

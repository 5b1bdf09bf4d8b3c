"""trafficsim.Simulation: results, determinism, observations, control and bad input."""

import csv
import math
import subprocess
import threading

import numpy as np
import pytest

import trafficsim
from conftest import HANGZHOU, SCENARIOS

SHORT = {"scenario.duration_s": 900}


def assert_same_trips(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def run(**kwargs):
    sim = trafficsim.Simulation(kwargs.pop("scenario", HANGZHOU), **kwargs)
    sim.run()
    return sim


# -- results and determinism --------------------------------------------------------------------

def test_runs_to_the_end_and_summarises():
    sim = run(overrides=SHORT)
    assert sim.done and sim.time == pytest.approx(900)
    s = sim.summary()
    assert s["scenario"] == "hangzhou_real" and s["signal_policy"] == "fixed_time"
    v = s["vehicles"]
    assert v["spawned"] == v["arrived"] + v["running"] + v["waiting_to_enter"]
    assert v["arrived"] > 0
    trips = sim.trips()
    assert len(trips["id"]) == v["spawned"]
    arrived = ~np.isnan(trips["arrive_s"])
    assert arrived.sum() == v["arrived"]
    np.testing.assert_allclose(trips["travel_time_s"][arrived], (trips["arrive_s"] - trips["depart_s"])[arrived])
    assert np.nanmean(trips["travel_time_s"]) == pytest.approx(s["travel_time_s"]["mean_finished"])
    assert sim.step() == 0  # nothing left to do


def test_same_seed_gives_the_same_trips_twice():
    assert_same_trips(run(overrides=SHORT, seed=7).trips(), run(overrides=SHORT, seed=7).trips())


def test_seed_changes_seeded_demand():
    jitter = dict(SHORT, **{"demand.departure_jitter_s": 30})
    a = run(overrides=jitter, seed=1).trips()
    b = run(overrides=jitter, seed=2).trips()
    assert not np.array_equal(a["depart_s"], b["depart_s"])


def test_one_and_two_threads_give_the_same_trips():
    # The parallel path is taken from 3000 vehicles in the network; lowered here to use it.
    one = run(overrides=SHORT, threads=1).trips()
    two = run(overrides=SHORT, threads=2, min_vehicles_for_parallel=1).trips()
    assert_same_trips(one, two)


def test_matches_the_command_line_run(cli, tmp_path):
    """No set_phase: the junctions keep the scenario's policy, exactly as `trafficsim run`."""
    for policy in ("fixed_time", "max_pressure"):
        out = tmp_path / policy
        subprocess.run([cli, "run", HANGZHOU, "--quiet", "--policy", policy, "--out", str(out),
                        "--set", "scenario.duration_s=900"], check=True)
        sim = run(overrides=SHORT, policy=policy)
        trips = sim.trips()
        with open(out / "trips.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [r["id"] for r in rows] == list(trips["id"])
        arrive = np.array([float(r["arrive_s"]) if r["arrive_s"] else math.nan for r in rows])
        np.testing.assert_array_equal(arrive, np.round(trips["arrive_s"], 3))
        assert [int(r["stops"]) for r in rows] == trips["stops"].tolist()


def test_reset_starts_again_and_reproduces_the_run():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    sim.run()
    first = sim.trips()
    sim.reset()
    assert sim.time == 0 and not sim.done and sim.counts()["spawned"] == 0
    sim.run()
    assert_same_trips(first, sim.trips())


def test_reset_with_another_seed_takes_it():
    jitter = dict(SHORT, **{"demand.departure_jitter_s": 30})
    sim = trafficsim.Simulation(HANGZHOU, overrides=jitter, seed=1)
    sim.reset(seed=2)
    assert sim.seed == 2
    sim.run()
    assert_same_trips(sim.trips(), run(overrides=jitter, seed=2).trips())


def test_simulations_in_threads_match_sequential_runs():
    expected = [run(overrides=SHORT, seed=s).trips() for s in (1, 2)]
    results = {}

    def work(seed):
        results[seed] = run(overrides=SHORT, seed=seed).trips()

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert_same_trips(results[1], expected[0])
    assert_same_trips(results[2], expected[1])


def test_write_outputs_writes_the_cli_files(tmp_path):
    sim = run(overrides=SHORT)
    sim.write_outputs(tmp_path / "out")
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"summary.json", "trips.csv", "timeseries.csv"}
    with open(tmp_path / "out" / "trips.csv") as f:
        assert sum(1 for _ in f) == len(sim.trips()["id"]) + 1


# -- observations -------------------------------------------------------------------------------

def test_observations_agree_with_each_other_and_the_summary():
    sim = trafficsim.Simulation(HANGZHOU)
    sim.step(1200)
    net = sim.network
    lanes = sim.lane_observations()
    vehicles = sim.vehicle_observations()
    counts = sim.counts()
    assert all(len(a) == len(net.lanes) for a in lanes.values())
    # Every vehicle in the network is on a lane or a connector.
    on_lane = vehicles["lane"] >= 0
    assert len(vehicles["id"]) == counts["running"] == sim.summary()["vehicles"]["running"]
    assert np.all(on_lane == (vehicles["connector"] < 0))
    assert lanes["vehicles"].sum() == on_lane.sum()
    per_lane = np.bincount(vehicles["lane"][on_lane], minlength=len(net.lanes))
    np.testing.assert_array_equal(per_lane, lanes["vehicles"])
    halted = on_lane & (vehicles["speed"] < 0.1)
    np.testing.assert_array_equal(np.bincount(vehicles["lane"][halted], minlength=len(net.lanes)), lanes["halting"])
    speed_sum = np.bincount(vehicles["lane"][on_lane], weights=vehicles["speed"][on_lane], minlength=len(net.lanes))
    busy = lanes["vehicles"] > 0
    np.testing.assert_allclose(lanes["mean_speed"][busy], speed_sum[busy] / lanes["vehicles"][busy])
    assert np.all(lanes["mean_speed"][~busy] == 0)
    wait_sum = np.bincount(vehicles["lane"][on_lane], weights=vehicles["waiting_time"][on_lane], minlength=len(net.lanes))
    np.testing.assert_allclose(lanes["waiting_time"], wait_sum)
    assert np.all(lanes["occupancy"][busy] > 0) and np.all(lanes["occupancy"][~busy] == 0)
    # Positions lie on their lanes; ids are trips whose departure has come.
    assert np.all(vehicles["position"][on_lane] <= net.lane_length_m[vehicles["lane"][on_lane]] + 1e-6)
    assert vehicles["id"].max() < counts["spawned"]


def test_signal_observations_cover_every_junction():
    sim = trafficsim.Simulation(HANGZHOU)
    sim.step(37)
    sig = sim.signal_observations()
    net = sim.network
    signalised = np.array([j.signalised for j in net.junctions])
    assert np.all(sig["phase"][~signalised] == -1)
    assert np.all((sig["phase"][signalised] >= 0) & (sig["phase"][signalised] < 8))
    assert set(sig["stage"].tolist()) <= {0, 1, 2}
    # Fixed time, 30 s phases, 3 s yellow and 2 s all-red: phase 0 is green until t=30, yellow
    # from 30 to 33, all-red to 35, and phase 1 green since the step that ended at t=36.
    assert np.all(sig["phase"][signalised] == 1) and np.all(sig["time_in_stage"][signalised] == 1)


def test_observation_buffers_are_reused_and_checked():
    sim = trafficsim.Simulation(HANGZHOU)
    sim.step(300)
    out = sim.lane_observations()
    vehicles = out["vehicles"]
    sim.step(10)
    again = sim.lane_observations(out)
    assert again is out and out["vehicles"] is vehicles
    np.testing.assert_array_equal(vehicles, sim.lane_observations()["vehicles"])
    with pytest.raises(TypeError):
        sim.lane_observations({"vehicles": np.zeros(len(sim.network.lanes), dtype=np.float64)})
    with pytest.raises(ValueError):
        sim.lane_observations({"vehicles": np.zeros(3, dtype=np.int32)})


def test_waiting_to_enter_lists_the_queued_departures():
    sim = trafficsim.Simulation(SCENARIOS / "hangzhou_peak.toml")
    sim.step(3000)
    queued = sim.waiting_to_enter()
    assert len(queued) == sim.counts()["waiting_to_enter"] > 0
    assert set(queued.tolist()).isdisjoint(set(sim.vehicle_observations()["id"].tolist()))


# -- network description ------------------------------------------------------------------------

def test_network_description_matches_the_cityflow_map(root):
    import json
    sim = trafficsim.Simulation(HANGZHOU)
    net = sim.network
    with open(root / "maps" / "hangzhou_4x4" / "roadnet_4_4.json") as f:
        roadnet = json.load(f)
    names = {f"{r['id']}_{i}" for r in roadnet["roads"] for i in range(len(r["lanes"]))}
    assert set(net.lane_names) == names
    for lane in net.lanes:
        assert net.roads[lane.road].lanes[lane.index_in_road] == lane.index
        assert lane.length_m > 0 and lane.speed_limit_mps > 0
        for succ in lane.successors:
            assert lane.index in net.lanes[succ].predecessors
            assert net.roads[net.lanes[succ].road].from_junction == net.roads[lane.road].to_junction
    assert len(net.signals) == 16
    for j in net.signals:
        cityflow = next(i for i in roadnet["intersections"] if i["id"] == j.name)
        assert len(j.phases) == 8 == len(cityflow["trafficLight"]["lightphases"]) - 1
        for phase in j.phases:
            assert set(phase.incoming_lanes) <= set(j.incoming_lanes)
            assert set(phase.outgoing_lanes) <= set(j.outgoing_lanes)
            for m in phase.movements:
                assert net.movements[m].junction == j.index
    assert net.junction(net.signals[0].name) is net.signals[0]
    # Every phase is cleared by [signals]' yellow and all-red on a CityFlow map.
    assert {(p.yellow_s, p.all_red_s) for j in net.signals for p in j.phases} == {(3.0, 2.0)}


def test_phases_of_a_sumo_program_carry_its_own_clearance(root):
    # tests/data/sumo/cross_night.add.xml gives light C 20 s, 4 s yellow, 15 s, 4 s yellow, no all-red.
    cfg = root / "tests" / "data" / "sumo" / "cross.sumocfg"
    night = str(root / "tests" / "data" / "sumo" / "cross_night.add.xml")
    sim = trafficsim.Simulation(str(cfg), overrides={"map.sumo_additional": [night]})
    c = sim.network.junction("C")
    assert [(p.duration_s, p.yellow_s, p.all_red_s) for p in c.phases] == [(20.0, 4.0, 0.0), (15.0, 4.0, 0.0)]
    # [signals] keys replace the program's clearance.
    sim = trafficsim.Simulation(str(cfg), overrides={"map.sumo_additional": [night], "signals.all_red_s": 1.5})
    assert {(p.yellow_s, p.all_red_s) for p in sim.network.junction("C").phases} == {(4.0, 1.5)}


# -- control ------------------------------------------------------------------------------------

def signal_state(sim, j):
    s = sim.signal_observations()
    return int(s["phase"][j]), int(s["next_phase"][j]), int(s["stage"][j]), float(s["time_in_stage"][j])


def test_set_phase_goes_through_yellow_and_all_red_and_holds():
    sim = trafficsim.Simulation(HANGZHOU)
    reference = trafficsim.Simulation(HANGZHOU)
    j = sim.network.signals[0].index
    sim.step(10)
    reference.step(10)
    assert signal_state(sim, j)[:3] == (0, 0, 0)
    sim.set_phase(j, 3)
    assert sim.requested_phase(j) == 3
    sim.step()
    assert signal_state(sim, j)[:3] == (0, 3, 1)  # yellow towards phase 3
    sim.step(3)
    assert signal_state(sim, j)[:3] == (0, 3, 2)  # all-red
    sim.step(2)
    assert signal_state(sim, j)[:3] == (3, 3, 0)  # phase 3 green
    sim.step(100)  # far beyond the program's 30 s: the request holds the phase
    assert signal_state(sim, j)[:3] == (3, 3, 0)
    # The other junctions keep the fixed-time plan, step for step.
    reference.step(106)
    a, b = sim.signal_observations(), reference.signal_observations()
    others = np.arange(len(sim.network.junctions)) != j
    np.testing.assert_array_equal(a["phase"][others], b["phase"][others])
    np.testing.assert_array_equal(a["stage"][others], b["stage"][others])
    # Released, the junction goes back to the scenario's policy.
    sim.release(j)
    assert sim.requested_phase(j) is None
    sim.step(40)
    assert signal_state(sim, j)[0] != 3


def test_set_phase_waits_for_the_minimum_green():
    sim = trafficsim.Simulation(HANGZHOU, overrides={"signals.min_green_s": 12})
    j = sim.network.signals[0].index
    sim.set_phase(j, 2)
    times = []
    for _ in range(20):
        sim.step()
        phase, nxt, stage, t = signal_state(sim, j)
        if stage != 0:
            times.append(sim.time)
    assert times and times[0] == pytest.approx(13)  # green 0 to 12 s, then yellow


def test_set_phase_by_name_and_numpy_index():
    sim = trafficsim.Simulation(HANGZHOU)
    j = sim.network.signals[2]
    sim.set_phase(j.name, 1)
    assert sim.requested_phase(np.int64(j.index)) == 1
    sim.release_all()
    assert sim.requested_phase(j.name) is None


# -- bad input ----------------------------------------------------------------------------------

def cli_error(cli, *args):
    done = subprocess.run([cli, *args], capture_output=True, text=True)
    assert done.returncode == 2
    return done.stderr.strip().removeprefix("error: ")


def test_load_errors_carry_the_command_line_message(cli, tmp_path):
    with pytest.raises(trafficsim.LoadError) as missing:
        trafficsim.Simulation(tmp_path / "nope.toml")
    assert isinstance(missing.value, ValueError)
    assert str(missing.value) == cli_error(cli, "run", str(tmp_path / "nope.toml"), "--quiet")
    assert missing.value.file == str(tmp_path / "nope.toml")

    with pytest.raises(trafficsim.LoadError) as key:
        trafficsim.Simulation(HANGZHOU, overrides={"signals.yelow_s": 3})
    assert str(key.value) == cli_error(cli, "run", HANGZHOU, "--quiet", "--set", "signals.yelow_s=3")
    assert key.value.file == HANGZHOU and "yelow_s" in str(key.value)

    with pytest.raises(trafficsim.LoadError) as policy:
        trafficsim.Simulation(HANGZHOU, policy="max_presure")
    assert "max_presure" in policy.value.reason and "max_pressure" in str(policy.value)

    with pytest.raises(trafficsim.LoadError) as params:
        trafficsim.Simulation(HANGZHOU, policy="max_pressure", policy_params={"gain": 2})
    # The policy parameter arrives as an override, and a check it triggers says so (issue 14).
    assert params.value.entity.startswith("signals.params.gain")
    assert "from --set" in params.value.entity

    bad_map = tmp_path / "bad.toml"
    bad_map.write_text((SCENARIOS / "hangzhou_real.toml").read_text()
                       .replace("../maps/hangzhou_4x4/roadnet_4_4.json", str(tmp_path / "roadnet.json")))
    (tmp_path / "roadnet.json").write_text('{"intersections": [], "roads": [{"id": 3}]}')
    with pytest.raises(trafficsim.LoadError) as json_error:
        trafficsim.Simulation(bad_map)
    assert str(json_error.value) == cli_error(cli, "run", str(bad_map), "--quiet")
    assert json_error.value.file == str(tmp_path / "roadnet.json")


def test_bad_control_raises_and_changes_nothing():
    sim = trafficsim.Simulation(HANGZHOU)
    net = sim.network
    signal = net.signals[0].index
    boundary = next(j.index for j in net.junctions if not j.signalised)
    with pytest.raises(IndexError):
        sim.set_phase(len(net.junctions), 0)
    with pytest.raises(IndexError):
        sim.set_phase(-1, 0)
    with pytest.raises(IndexError):
        sim.set_phase(signal, 8)
    with pytest.raises(IndexError):
        sim.set_phase(signal, -1)
    with pytest.raises(KeyError):
        sim.set_phase("intersection_9_9", 0)
    with pytest.raises(ValueError):
        sim.set_phase(boundary, 0)
    with pytest.raises(TypeError):
        sim.set_phase(1.5, 0)
    with pytest.raises(TypeError):
        sim.set_phase(True, 0)
    assert sim.requested_phase(signal) is None
    with pytest.raises(ValueError):
        sim.step(-1)
    with pytest.raises(ValueError):
        trafficsim.Simulation(HANGZHOU, threads=-1)
    with pytest.raises(ValueError):
        trafficsim.Simulation(HANGZHOU, seed=-3)
    sim.step(5)
    assert sim.time == 5


def test_policy_names_list_the_built_in_policies():
    names = trafficsim.policy_names()
    assert names[0] == "fixed_time"
    assert {"max_pressure", "lookahead_pressure", "actuated"} <= set(names)


def test_set_phases_applies_all_or_none():
    sim = trafficsim.Simulation(HANGZHOU)
    signals = np.array([j.index for j in sim.network.signals])
    sim.set_phases(signals[:3], np.array([1, 2, 3]))
    assert [sim.requested_phase(int(j)) for j in signals[:3]] == [1, 2, 3]
    with pytest.raises(IndexError):
        sim.set_phases(signals[:3], np.array([4, 9, 5]))  # the second is out of range
    assert [sim.requested_phase(int(j)) for j in signals[:3]] == [1, 2, 3]
    with pytest.raises(ValueError):
        sim.set_phases(signals[:3], np.array([1, 2]))


def test_readme_example_runs():
    sim = trafficsim.Simulation(HANGZHOU, seed=1, overrides={"signals.min_green_s": 8, "scenario.duration_s": 60})
    steps = 0
    while not sim.done:
        lanes = sim.lane_observations()
        sim.set_phase("intersection_1_1", 2)
        sim.step(5)
        steps += 1
    assert steps == 12 and len(lanes["vehicles"]) == len(sim.network.lanes)
    assert sim.signal_observations()["phase"][sim.network.junction("intersection_1_1").index] == 2


def test_vehicles_in_stop_bays_are_accounted_for():
    sim = trafficsim.Simulation(SCENARIOS / "singapore_av.toml")
    bays = 0
    for _ in range(40):
        sim.step(30)
        v = sim.vehicle_observations()
        lanes = sim.lane_observations()
        assert len(v["id"]) == sim.counts()["running"]
        assert lanes["vehicles"].sum() + (v["lane"] < 0).sum() + v["in_bay"].sum() == len(v["id"])
        assert np.all(v["lane"][v["in_bay"]] >= 0)
        bays += int(v["in_bay"].sum())
    assert bays > 0  # buses dwell in bays in this scenario


def test_ctrl_c_stops_a_long_step_between_two_steps():
    import _thread
    sim = trafficsim.Simulation(SCENARIOS / "grid_30x30.toml")
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sim.step(1_000_000)
    timer.join()
    assert 0 < sim.time < sim.duration and sim.steps == round(sim.time / sim.step_length)
    before = sim.steps
    assert sim.step() == 1 and sim.steps == before + 1  # still usable


def test_step_releases_the_gil():
    # With the GIL held for the whole step the loop below could not run until the step returned.
    sim = trafficsim.Simulation(SCENARIOS / "grid_10x10.toml")
    worker = threading.Thread(target=sim.step, args=(600,))
    count = 0
    worker.start()
    while worker.is_alive():
        count += 1
    worker.join()
    assert sim.time == 600
    # Held, it would count only until the worker first took the GIL (one 5 ms switch interval,
    # some 20,000 rounds); released, it counts for the whole step.
    assert count > 200_000, (count, sim.wall_seconds)

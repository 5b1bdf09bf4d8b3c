"""State: checkpoint/snapshot and restore, reset with a new seed, memory over many resets."""

import json
import time

import numpy as np
import pytest

import trafficsim
from trafficsim import cityflow

from conftest import HANGZHOU, MAPS, SCENARIOS

SHORT = {"scenario.duration_s": 900}


def assert_same_trips(a, b):
    assert list(a["id"]) == list(b["id"])
    for key in a:
        if a[key].dtype.kind == "f":
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert list(a[key]) == list(b[key]), key


def test_restore_continues_bit_identically_in_another_simulation():
    straight = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    straight.run()
    first = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    first.step(400)
    data = first.snapshot()
    assert isinstance(data, bytes) and data == first.checkpoint()
    resumed = trafficsim.Simulation(HANGZHOU, overrides=SHORT, threads=2, min_vehicles_for_parallel=0)
    resumed.restore(data)
    assert resumed.time == 400
    resumed.run()
    assert_same_trips(resumed.trips(), straight.trips())
    assert resumed.summary()["vehicles"] == straight.summary()["vehicles"]
    for key, column in straight.timeseries().items():
        np.testing.assert_array_equal(resumed.timeseries()[key], column, err_msg=key)


def test_restore_goes_back_in_time_in_the_same_simulation():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    sim.step(300)
    data = sim.checkpoint()
    sim.run()
    end = sim.trips()
    sim.restore(data)
    assert sim.time == 300 and not sim.done
    assert sim.checkpoint() == data
    sim.run()
    assert_same_trips(sim.trips(), end)


def test_set_phase_requests_are_part_of_the_state():
    def drive(sim, upto):
        while sim.time < upto:
            if sim.steps % 30 == 0 and sim.time < 300:
                for j in sim.network.signals:
                    sim.set_phase(j.index, (sim.steps // 30) % len(j.phases))
            sim.step(1)

    straight = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    drive(straight, 900)
    first = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    drive(first, 450)
    resumed = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    resumed.restore(first.checkpoint())
    assert [resumed.requested_phase(j.index) for j in resumed.network.signals] == \
        [first.requested_phase(j.index) for j in first.network.signals]
    drive(resumed, 900)
    assert_same_trips(resumed.trips(), straight.trips())


def test_a_python_policy_run_resumes_exactly():
    def policy(context):
        return int(np.argmax([context.lanes["halting"].sum(), context.time % 2])) % context.phase_count

    straight = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    straight.set_policy(policy)
    straight.run()
    first = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    first.set_policy(policy)
    first.step(500)
    resumed = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    resumed.set_policy(policy)
    resumed.restore(first.checkpoint())
    resumed.run()
    assert_same_trips(resumed.trips(), straight.trips())


def test_bad_checkpoints_raise_and_change_nothing():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    sim.step(100)
    data = sim.checkpoint()
    other = trafficsim.Simulation(HANGZHOU, overrides=SHORT, seed=2)
    other.step(10)
    with pytest.raises(trafficsim.LoadError, match="another scenario"):
        other.restore(data)
    with pytest.raises(trafficsim.LoadError, match="truncated"):
        other.restore(data[: len(data) // 2])
    corrupted = bytearray(data)
    corrupted[len(data) // 2] ^= 0xFF
    with pytest.raises(trafficsim.LoadError, match="checksum"):
        other.restore(bytes(corrupted))
    with pytest.raises(trafficsim.LoadError, match="not a trafficsim checkpoint"):
        other.restore(b"hello")
    assert other.time == 10
    other.step(10)


# -- reset with seeds ---------------------------------------------------------------------------

def test_reset_with_a_new_seed_does_not_reload_when_the_seed_only_drives_the_run():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT, seed=1)
    times = []
    for seed in (2, 3, 4, 5):
        t0 = time.perf_counter()
        sim.reset(seed=seed)
        times.append(time.perf_counter() - t0)
        assert sim.seed == seed
    # Loading hangzhou_real takes about 50 ms (hundreds on a busy machine); a copy of the loaded
    # scenario and a new world take about a millisecond. Compared with a load timed here, so that a
    # busy machine slows both sides alike.
    t0 = time.perf_counter()
    fresh = trafficsim.Simulation(HANGZHOU, overrides=SHORT, seed=5)
    load = time.perf_counter() - t0
    assert min(times) < load / 5, (times, load)
    sim.run()
    fresh.run()
    assert_same_trips(sim.trips(), fresh.trips())
    assert sim.summary()["seed"] == 5


@pytest.mark.parametrize("scenario,overrides", [
    ("grid_10x10", {"scenario.duration_s": 300}),                                   # generated flows
    ("hangzhou_real", {"scenario.duration_s": 300, "demand.departure_jitter_s": 30}),  # jitter
])
def test_runs_across_resets_with_seeds_match_fresh_simulations(scenario, overrides):
    path = SCENARIOS / f"{scenario}.toml"
    fresh = {}
    for seed in (1, 2):
        s = trafficsim.Simulation(path, overrides=overrides, seed=seed)
        s.run()
        fresh[seed] = s.trips()
    sim = trafficsim.Simulation(path, overrides=overrides, seed=1)
    for seed in (2, 1, 2):
        sim.reset(seed=seed)
        sim.run()
        assert_same_trips(sim.trips(), fresh[seed])
    assert list(fresh[1]["depart_s"]) != list(fresh[2]["depart_s"])  # the seed does matter here


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_memory_stays_flat_over_1000_resets_with_changing_seeds():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    for k in range(100):
        sim.reset(seed=k + 2)
        sim.step(2)
    before = rss_bytes()
    for k in range(1000):
        sim.reset(seed=k + 200)
        sim.step(2)
    grown = rss_bytes() - before
    assert grown < 4 * 1024 * 1024, f"resident memory grew by {grown / 1e6:.1f} MB over 1000 resets"


# -- the CityFlow shim -------------------------------------------------------------------------

def test_cityflow_snapshot_and_load(tmp_path):
    config = {"interval": 1.0, "seed": 0, "dir": str(MAPS / "hangzhou_4x4") + "/",
              "roadnetFile": "roadnet_4_4.json", "flowFile": "anon_4_4_hangzhou_real.json",
              "rlTrafficLight": True, "laneChange": False}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    eng = cityflow.Engine(str(path))
    for t in range(300):
        if t % 20 == 0:
            eng.set_tl_phase("intersection_1_1", 1 + (t // 20) % 4)
        eng.next_step()
    archive = eng.snapshot()
    archive.dump(tmp_path / "state.bin")
    for _ in range(300):
        eng.next_step()
    expected = (eng.get_average_travel_time(), eng.get_lane_vehicle_count(), eng.get_vehicle_speed())
    eng.load(archive)
    assert eng.get_current_time() == 300
    for _ in range(300):
        eng.next_step()
    assert (eng.get_average_travel_time(), eng.get_lane_vehicle_count(), eng.get_vehicle_speed()) == expected
    other = cityflow.Engine(str(path))
    other.load_from_file(tmp_path / "state.bin")
    for _ in range(300):
        other.next_step()
    assert (other.get_average_travel_time(), other.get_lane_vehicle_count(), other.get_vehicle_speed()) == expected

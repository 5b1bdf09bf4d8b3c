"""Simulation.set_policy: Python callables at the engine's decision point."""

import threading

import numpy as np
import pytest

import trafficsim
from conftest import HANGZHOU, SCENARIOS

SHORT = {"scenario.duration_s": 600}


def hold(context):
    return context.phase


def test_context_carries_the_decision_inputs():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    seen = []

    def record(context):
        seen.append((context.junction, context.time, context.phase, context.time_in_phase, context.phase_count))
        lanes = context.lanes
        assert set(lanes) == {"vehicles", "halting", "approaching", "occupancy", "waiting_time", "flow_veh_per_h"}
        assert all(len(a) == len(sim.network.lanes) for a in lanes.values())
        assert np.all(lanes["halting"] <= lanes["vehicles"])
        return context.phase

    sim.set_policy(record)
    sim.step(40)
    signals = {j.index for j in sim.network.signals}
    assert {s[0] for s in seen} == signals
    # Consulted only in green past the minimum green (5 s): first at t = 5.
    assert min(s[1] for s in seen) == pytest.approx(5)
    assert all(s[3] >= 5 - 1e-9 and s[4] == 8 for s in seen)


def test_decisions_are_served_with_clearance():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    sim.set_policy(lambda c: 4 if c.time >= 20 else c.phase, junctions=["intersection_2_2"])
    ref = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    j = sim.network.junction("intersection_2_2").index
    sim.step(21)
    ref.step(21)
    s = sim.signal_observations()
    assert (s["next_phase"][j], s["stage"][j]) == (4, 1)  # yellow towards 4
    sim.step(5)
    ref.step(5)
    s, r = sim.signal_observations(), ref.signal_observations()
    assert (s["phase"][j], s["stage"][j]) == (4, 0)
    others = np.arange(len(s["phase"])) != j
    np.testing.assert_array_equal(s["phase"][others], r["phase"][others])  # fixed time elsewhere


def test_set_phase_requests_take_precedence():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    j = sim.network.signals[0].index
    sim.set_phase(j, 6)
    sim.set_policy(lambda c: 2)
    assert sim.requested_phase(j) == 6
    sim.step(60)
    phases = sim.signal_observations()["phase"]
    assert phases[j] == 6
    assert all(phases[s.index] == 2 for s in sim.network.signals if s.index != j)


def test_same_results_on_one_and_two_threads_and_after_reset():
    def run(threads):
        sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT, threads=threads, min_vehicles_for_parallel=1)
        sim.set_policy(lambda c: int(np.argmax([c.lanes["halting"][c.junction % 7 + k] for k in range(c.phase_count)]))
                       if c.time_in_phase >= 10 else c.phase)
        sim.run()
        first = sim.trips()
        sim.reset()  # keeps the policy
        sim.run()
        return first, sim.trips()

    a1, a2 = run(1)
    b1, b2 = run(2)
    for other in (a2, b1, b2):
        np.testing.assert_array_equal(a1["arrive_s"], other["arrive_s"])


def test_errors_in_the_callable_stop_step_and_are_raised():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)

    def fail(context):
        if context.time >= 30:
            raise ZeroDivisionError("boom")
        return context.phase

    sim.set_policy(fail)
    with pytest.raises(ZeroDivisionError, match="boom"):
        sim.step(100)
    assert sim.time == pytest.approx(31)  # stopped after the step in which it failed
    for bad, error in ((lambda c: 8, IndexError), (lambda c: "1", TypeError), (lambda c: None, TypeError)):
        sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
        sim.set_policy(bad)
        with pytest.raises(error):
            sim.step(10)


def test_the_callable_cannot_reenter_its_simulation():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    sim.set_policy(lambda c: sim.lane_observations() and c.phase)
    with pytest.raises(RuntimeError, match="cannot call its Simulation"):
        sim.step(10)


def test_set_policy_only_before_the_first_step_and_removable():
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    with pytest.raises(TypeError):
        sim.set_policy(42)
    with pytest.raises(ValueError):
        sim.set_policy(hold, junctions=["intersection_0_1"])  # boundary: no signals
    with pytest.raises(KeyError):
        sim.set_policy(hold, junctions=["nowhere"])
    sim.set_policy(lambda c: 3)
    sim.step()
    with pytest.raises(ValueError):
        sim.set_policy(hold)
    sim.reset()
    sim.set_policy(None)
    sim.run()
    ref = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    ref.run()
    np.testing.assert_array_equal(sim.trips()["arrive_s"], ref.trips()["arrive_s"])


def test_other_threads_may_observe_while_a_callable_steps():
    sim = trafficsim.Simulation(SCENARIOS / "jinan_real.toml", overrides=SHORT)
    sim.set_policy(hold)
    worker = threading.Thread(target=sim.step, args=(600,))
    worker.start()
    observed = 0
    while worker.is_alive():
        sim.lane_observations()  # waits for the lock without holding the GIL: no deadlock
        observed += 1
    worker.join()
    assert sim.time == 600 and observed > 0


def test_a_controller_holding_its_simulation_is_collected():
    import gc
    import weakref

    class Controller:
        def __init__(self, sim):
            self.sim = sim  # simulation -> bound method -> controller -> simulation: a cycle

        def decide(self, context):
            return context.phase

    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    controller = Controller(sim)
    sim.set_policy(controller.decide)
    sim.step(20)
    gone = weakref.ref(controller)
    del sim, controller
    gc.collect()
    assert gone() is None

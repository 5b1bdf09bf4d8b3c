"""examples/python: the max-pressure controller written in Python against the built-in policy."""

import importlib.util

import numpy as np
import pytest

import trafficsim
from conftest import HANGZHOU, ROOT


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / "python" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_python_max_pressure_policy_reproduces_the_built_in_run(capsys):
    example = load_example("max_pressure")
    assert example.main([HANGZHOU]) == 0
    assert "identical: all 2983 trips match" in capsys.readouterr().out
    assert example.main([str(ROOT / "scenarios" / "jinan_real.toml")]) == 0
    assert "identical: all 6295 trips match" in capsys.readouterr().out


def test_python_max_pressure_through_set_phase_on_hangzhou(capsys):
    example = load_example("max_pressure")
    assert example.main([HANGZHOU, "--mode", "set_phase"]) == 0
    assert "identical: all 2983 trips match" in capsys.readouterr().out
    # With ambulances, and queues at the entries: vehicles inserted at a standstill at the back of
    # a queue are seen by the built-in policy no earlier than by a controller between steps.
    assert example.main([str(ROOT / "scenarios" / "hangzhou_peak.toml"), "--mode", "set_phase"]) == 0
    assert "identical: all 6987 trips match" in capsys.readouterr().out


def test_python_max_pressure_pressures_match_a_direct_computation():
    example = load_example("max_pressure")
    sim = trafficsim.Simulation(HANGZHOU)
    sim.step(900)
    controller = example.MaxPressureController(sim)
    halting = sim.lane_observations()["halting"]
    table = controller.pressures(halting)
    for s, junction in enumerate(sim.network.signals):
        for phase in junction.phases:
            expected = sum(int(halting[a]) - int(halting[b]) for a, b in phase.lane_links)
            assert table[s, phase.index] == expected
        assert np.all(np.isinf(table[s, len(junction.phases):]))


def test_cityflow_script_runs_with_the_changed_import(capsys):
    example = load_example("cityflow_dropin")
    assert example.main(["--dataset", "newyork", "--steps", "600"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("newyork: 600 s simulated")
    assert float(line.split("average travel time ")[1].split()[0]) > 0


def run_dqn_example(example, network, tmp_path, capsys):
    svg = tmp_path / "curve.svg"
    assert example.main(["--network", network, "--episodes", "2", "--svg", str(svg)]) == 0
    out = capsys.readouterr().out
    assert out.count("episode ") == 2
    assert f"with the {network} Q-network" in out
    assert "scenario seed 1000 (not trained on)" in out
    rows = {}
    for name in ("fixed time", "max pressure", "DQN (greedy)"):
        line = next(line for line in out.splitlines() if line.strip().startswith(name))
        travel, halting, ret = float(line.split()[-4]), float(line.split()[-2]), float(line.split()[-1])
        assert travel > 0 and halting >= 0 and ret == pytest.approx(-halting * 720, abs=0.5 + 0.005 * 720)
        rows[name] = travel
    picture = svg.read_text()
    assert picture.count("<polyline") == 1 and picture.count("stroke-dasharray") == 6
    return rows


def test_dqn_example_trains_and_compares(tmp_path, capsys):
    example = load_example("dqn_junction")
    rows = run_dqn_example(example, "numpy", tmp_path, capsys)
    # Fixed time of one junction, inside the environment, is the plain scenario run.
    fixed = example.evaluate(HANGZHOU, None)["travel_time_s"]
    assert fixed == trafficsim.Simulation(HANGZHOU, overrides={"signals.yellow_s": 2.0, "signals.min_green_s": 5.0}).run()[
        "travel_time_s"]["mean_with_unfinished"]
    # The comparison's seed shapes the demand (departure jitter): not the plain scenario's run.
    assert abs(rows["fixed time"] - fixed) > 0.05


def test_dqn_example_with_pytorch(tmp_path, capsys):
    pytest.importorskip("torch", reason="PyTorch is optional (Debian: python3-torch)")
    example = load_example("dqn_junction")
    rows = run_dqn_example(example, "torch", tmp_path, capsys)
    # Fixed time and max pressure do not depend on the agent's network.
    numpy_rows = {name: example.evaluate(HANGZHOU, controller, 1000,
                                         {"demand.departure_jitter_s": 60.0, "dynamics.driver_variation": 0.1})
                  for name, controller in (("fixed time", None), ("max pressure", example.max_pressure))}
    for name, r in numpy_rows.items():
        assert rows[name] == pytest.approx(r["travel_time_s"], abs=0.05)


def test_dqn_example_without_pytorch(monkeypatch, capsys):
    example = load_example("dqn_junction")
    monkeypatch.setattr(example, "torch", None)
    assert example.main(["--network", "torch", "--episodes", "1"]) == 2
    assert "PyTorch is not installed" in capsys.readouterr().err
    assert example.main(["--episodes", "1", "--eval-seed", "1"]) == 2  # a training seed

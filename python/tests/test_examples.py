"""examples/python: the max-pressure controller written in Python against the built-in policy."""

import importlib.util

import numpy as np

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


def test_dqn_example_trains_and_compares(tmp_path, capsys):
    example = load_example("dqn_junction")
    svg = tmp_path / "curve.svg"
    assert example.main(["--episodes", "2", "--svg", str(svg)]) == 0
    out = capsys.readouterr().out
    assert out.count("episode ") == 2
    for name in ("fixed time", "max pressure", "DQN (greedy)"):
        assert name in out
    assert svg.read_text().count("<polyline") == 1
    # Fixed time of one junction, inside the environment, is the plain scenario run.
    fixed = example.evaluate(HANGZHOU, None)["travel_time_s"]
    assert fixed == trafficsim.Simulation(HANGZHOU, overrides={"signals.yellow_s": 2.0, "signals.min_green_s": 5.0}).run()[
        "travel_time_s"]["mean_with_unfinished"]

"""The environments' API contract (Gymnasium single-agent, PettingZoo parallel) and behaviour."""

import numpy as np
import pytest

import trafficsim
from trafficsim.env import REWARDS, ParallelTrafficSignalEnv, TrafficSignalEnv
from conftest import HANGZHOU

SHORT = {"scenario.duration_s": 300}


def test_parallel_api_contract():
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT)
    assert len(env.possible_agents) == 16 and env.agents == []
    observations, infos = env.reset(seed=1)
    assert env.agents == env.possible_agents
    assert observations.keys() == infos.keys() == set(env.agents)
    for agent, obs in observations.items():
        space = env.observation_space(agent)
        assert obs.dtype == np.float32 and obs.shape == space.shape
        assert space.contains(obs)
        assert env.action_space(agent).n == 8
    steps = 0
    while env.agents:
        actions = {a: env.action_space(a).sample() for a in env.agents}
        obs, rewards, terminations, truncations, infos = env.step(actions)
        steps += 1
        for d in (obs, rewards, terminations, truncations, infos):
            assert d.keys() == set(actions)
        assert all(isinstance(r, float) and np.isfinite(r) for r in rewards.values())
        assert not any(terminations.values())
        assert all(t == (steps == 60) for t in truncations.values())
        assert infos[next(iter(infos))]["time"] == pytest.approx(5 * steps)
    assert steps == 60 and env.agents == []
    with pytest.raises(RuntimeError):
        env.step({})
    assert env.state().shape == (sum(env.observation_space(a).shape[0] for a in env.possible_agents),)


def test_observation_layout():
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT)
    env.reset()
    net = env.sim.network
    for _ in range(20):
        obs, *_ = env.step({a: 2 for a in env.agents})
    lanes = env.sim.lane_observations()
    signals = env.sim.signal_observations()
    for agent, o in obs.items():
        j = net.junction(agent)
        k = len(j.phases)
        assert o[:k].sum() == 1 and o[:k].argmax() == 2  # phase 2 requested long ago
        assert o[k] == (1.0 if signals["stage"][j.index] == 0 and signals["time_in_stage"][j.index] >= 5 else 0.0)
        n = len(j.incoming_lanes)
        capacity = np.maximum(net.lane_length_m[list(j.incoming_lanes)] / 7.5, 1)
        np.testing.assert_allclose(o[k + 1:k + 1 + n],
                                   np.minimum(lanes["vehicles"][list(j.incoming_lanes)] / capacity, 1), rtol=1e-6)
        np.testing.assert_allclose(o[k + 1 + n:],
                                   np.minimum(lanes["halting"][list(j.incoming_lanes)] / capacity, 1), rtol=1e-6)


def test_episodes_repeat_after_reset():
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT, reward="queue")

    def episode():
        env.reset(seed=1)
        rng = np.random.default_rng(5)
        trace = []
        while env.agents:
            obs, rewards, *_ = env.step({a: int(rng.integers(8)) for a in env.agents})
            trace.append((np.concatenate(list(obs.values())), sorted(rewards.items())))
        return trace

    first, second = episode(), episode()
    assert len(first) == len(second) == 60
    for (o1, r1), (o2, r2) in zip(first, second):
        np.testing.assert_array_equal(o1, o2)
        assert r1 == r2


def test_rewards():
    for reward in REWARDS:
        env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT, reward=reward)
        env.reset()
        for _ in range(30):
            _, rewards, *_ = env.step({})
        values = np.array(list(rewards.values()))
        assert np.all(np.isfinite(values)), reward
        if reward in ("queue", "delay"):
            assert np.all(values <= 0) and values.min() < 0, reward
        if reward == "average-speed":
            assert np.all((values >= 0) & (values <= 1.0 + 1e-9))
    seen = []
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT, agents=["intersection_1_1"],
                                   reward=lambda e, a: seen.append(a) or 1.5)
    env.reset()
    _, rewards, *_ = env.step({"intersection_1_1": 0})
    assert rewards == {"intersection_1_1": 1.5} and seen == ["intersection_1_1"]
    with pytest.raises(ValueError):
        ParallelTrafficSignalEnv(HANGZHOU, reward="speed")


def test_pressure_reward_is_outgoing_minus_incoming():
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT, reward="pressure")
    env.reset()
    for _ in range(30):
        _, rewards, *_ = env.step({})
    lanes = env.sim.lane_observations()["vehicles"]
    net = env.sim.network
    for agent, r in rewards.items():
        j = net.junction(agent)
        assert r == lanes[list(j.outgoing_lanes)].sum() - lanes[list(j.incoming_lanes)].sum()


def test_bad_actions_raise():
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT)
    env.reset()
    with pytest.raises(IndexError):
        env.step({env.agents[0]: 8})
    with pytest.raises(KeyError):
        env.step({"intersection_0_0": 1})
    with pytest.raises(ValueError):
        ParallelTrafficSignalEnv(HANGZHOU, agents=["intersection_0_1"])  # boundary, no signals


def test_timing_parameters_reach_the_controller():
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT, yellow_time=4, min_green=10, all_red_time=0)
    assert env.sim.signal_timing == {"yellow_s": 4.0, "all_red_s": 0.0, "min_green_s": 10.0}
    env.reset()
    agent = env.agents[0]
    j = env.sim.network.junction(agent).index
    env.step({agent: 0})
    env.step({agent: 0})  # t = 10: minimum green reached
    env.step({agent: 5})  # asks to change: yellow for 4 s, then phase 5
    s = env.sim.signal_observations()
    assert (s["phase"][j], s["stage"][j]) == (5, 0)
    assert s["time_in_stage"][j] == pytest.approx(0.0)


def test_single_agent_api_contract():
    env = TrafficSignalEnv(HANGZHOU, overrides=SHORT, reward="pressure")
    assert env.agent == "intersection_1_1"
    obs, info = env.reset(seed=1)
    assert env.observation_space.contains(obs) and isinstance(info, dict)
    done = False
    steps = 0
    while not done:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert isinstance(reward, float) and terminated is False
        done = truncated
        steps += 1
    assert steps == 60
    other = TrafficSignalEnv(HANGZHOU, junction="intersection_2_3", overrides=SHORT)
    assert other.agent == "intersection_2_3"


def test_uncontrolled_junctions_keep_the_scenario_policy():
    env = TrafficSignalEnv(HANGZHOU, junction="intersection_1_1", overrides=SHORT)
    ref = trafficsim.Simulation(HANGZHOU, overrides=dict(SHORT, **{"signals.yellow_s": 2.0, "signals.min_green_s": 5.0}))
    env.reset()
    for _ in range(20):
        env.step(3)
        ref.step(5)
    a, b = env.sim.signal_observations(), ref.signal_observations()
    me = env.sim.network.junction("intersection_1_1").index
    others = np.arange(len(a["phase"])) != me
    np.testing.assert_array_equal(a["phase"][others], b["phase"][others])
    assert a["phase"][me] == 3


def test_gymnasium_registration_when_available():
    gymnasium = pytest.importorskip("gymnasium")
    assert "trafficsim/TrafficSignal-v0" in gymnasium.envs.registry


def reference_rewards(env, lanes, last_waiting):
    """The rewards as the environment's numpy version computed them, agent by agent."""
    net = env.sim.network
    out = {}
    for agent in env.possible_agents:
        j = net.junction(agent)
        inc, outg = list(j.incoming_lanes), list(j.outgoing_lanes)
        speed_limit = net.lane_speed_limit_mps[inc]
        vehicles = lanes["vehicles"][inc].astype(float)
        relative = lanes["mean_speed"][inc] / speed_limit
        waiting = lanes["waiting_time"][inc].sum() / 100.0
        out[agent] = {
            "diff-waiting-time": last_waiting[agent] - waiting,
            "pressure": float(lanes["vehicles"][outg].sum() - lanes["vehicles"][inc].sum()),
            "queue": -float(lanes["halting"][inc].sum()),
            "delay": -float((vehicles * (1.0 - relative)).sum()),
            "average-speed": float((vehicles * relative).sum() / vehicles.sum()) if vehicles.sum() > 0 else 1.0,
            "waiting": waiting,
        }
    return out


@pytest.mark.parametrize("reward", REWARDS)
def test_rewards_and_infos_match_a_direct_computation(reward):
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT, reward=reward)
    env.reset()
    lanes = env.sim.lane_observations()
    last = {a: v["waiting"] for a, v in reference_rewards(env, lanes, dict.fromkeys(env.possible_agents, 0.0)).items()}
    rng = np.random.default_rng(3)
    for _ in range(40):
        _, rewards, _, _, infos = env.step({a: int(rng.integers(8)) for a in env.agents})
        lanes = env.sim.lane_observations()
        expected = reference_rewards(env, lanes, last)
        for agent, r in rewards.items():
            assert r == pytest.approx(expected[agent][reward], rel=1e-12, abs=1e-12), (reward, agent)
        last = {a: v["waiting"] for a, v in expected.items()}
        info = infos[env.possible_agents[0]]
        assert info["time"] == env.sim.time and info["step"] == env.sim.steps
        assert info["system_vehicles"] == lanes["vehicles"].sum()
        assert info["system_total_stopped"] == lanes["halting"].sum()
        assert info["system_total_waiting_time"] == pytest.approx(lanes["waiting_time"].sum())
        assert all(i == info and i is not info for i in list(infos.values())[1:])


def test_returned_observations_are_never_overwritten():
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT)
    first, _ = env.reset()
    kept = {a: o.copy() for a, o in first.items()}
    for _ in range(30):
        obs, *_ = env.step({a: 1 for a in env.agents})
    for agent in first:
        np.testing.assert_array_equal(first[agent], kept[agent])
    np.testing.assert_array_equal(env.observation(env.possible_agents[3]), obs[env.possible_agents[3]])
    np.testing.assert_array_equal(env.state(), np.concatenate([obs[a] for a in env.possible_agents]))


def test_actions_of_any_mapping_and_integer_type():
    import types
    env = ParallelTrafficSignalEnv(HANGZHOU, overrides=SHORT)
    env.reset()
    agent = env.possible_agents[0]
    j = env.sim.network.junction(agent).index
    env.step(types.MappingProxyType({agent: np.int64(4)}))
    assert env.sim.requested_phase(j) == 4
    env.step({agent: 6.0})
    assert env.sim.requested_phase(j) == 6
    with pytest.raises(TypeError):
        env.step({agent: None})
    with pytest.raises(IndexError):  # all or none: the good action before the bad one is not applied
        env.step({env.possible_agents[1]: 2, agent: -1})
    assert env.sim.requested_phase(env.sim.network.junction(env.possible_agents[1]).index) is None
    assert env.sim.requested_phase(j) == 6


def test_agents_with_observations_of_different_lengths():
    # Nanchang's junctions have 3 or 4 approaches; the observations are then slices of one array
    # rather than rows. Its map is third-party data, absent from some checkouts.
    from conftest import SCENARIOS
    scenario = SCENARIOS / "nanchang_citybrain.toml"
    try:
        env = ParallelTrafficSignalEnv(scenario, overrides={"scenario.duration_s": 60}, reward="queue")
    except trafficsim.LoadError as e:
        pytest.skip(f"the City Brain data is not here: {e}")
    sizes = {a: env.observation_space(a).shape[0] for a in env.possible_agents}
    assert len(set(sizes.values())) > 1
    env.reset()
    for _ in range(8):
        obs, rewards, *_ = env.step({})
    lanes = env.sim.lane_observations()
    net = env.sim.network
    for agent, o in obs.items():
        assert o.shape == (sizes[agent],) and o.base is not None
        j = net.junction(agent)
        incoming = list(j.incoming_lanes)
        capacity = np.maximum(net.lane_length_m[incoming] / 7.5, 1)
        n = len(incoming)
        np.testing.assert_allclose(o[len(j.phases) + 1:len(j.phases) + 1 + n],
                                   np.minimum(lanes["vehicles"][incoming] / capacity, 1), rtol=1e-6)
        assert rewards[agent] == -lanes["halting"][incoming].sum()
    np.testing.assert_array_equal(env.state(), np.concatenate([obs[a] for a in env.possible_agents]))


def test_env_core_refuses_a_bad_layout():
    from trafficsim._core import EnvCore
    sim = trafficsim.Simulation(HANGZHOU, overrides=SHORT)
    j = sim.network.junction("intersection_1_1")
    lanes = list(j.incoming_lanes)
    good = dict(junctions=[j.index], phase_counts=[len(j.phases)], in_lanes=lanes, in_counts=[len(lanes)],
                out_lanes=[], out_counts=[0], capacity=[10.0] * len(lanes), speed_limits=[10.0] * len(lanes),
                min_green_s=5.0, reward=2, steps_per_action=5, num_seconds=300.0)
    EnvCore(sim, ["a"], **good).reset()
    for change, message in (({"junctions": [10_000]}, "junction index 10000 out of range"),
                            ({"in_lanes": [99_999] + lanes[1:]}, "incoming lane index 99999 out of range"),
                            ({"in_counts": [len(lanes) + 1]}, "do not add up"),
                            ({"capacity": [0.0] * len(lanes)}, "must be > 0"),
                            ({"reward": 9}, "unknown reward code"),
                            ({"steps_per_action": 0}, "steps per action")):
        with pytest.raises(ValueError, match=message):
            EnvCore(sim, ["a"], **dict(good, **change))
    with pytest.raises(ValueError, match="no agents"):
        EnvCore(sim, [], **dict(good, junctions=[], phase_counts=[], in_lanes=[], in_counts=[], out_counts=[],
                                capacity=[], speed_limits=[]))

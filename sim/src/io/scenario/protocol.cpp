// The benchmark protocols (traffic/protocol.h). Each setting cites the convention it follows; the
// same text, with links, is in docs/protocols.md, and a test keeps the two lists in step.
#include "traffic/protocol.h"

namespace traffic {

const std::vector<BenchmarkProtocol>& benchmarkProtocols() {
  static const std::vector<BenchmarkProtocol> protocols{
      {"default",
       "trafficsim's own: the scenario's signal timing with controller-added yellow and all-red, lane "
       "changes, no teleports",
       {
           {"dynamics.gridlock_action", "\"wait\"",
            "a stuck vehicle keeps waiting: teleporting it and counting it as arrived hides gridlock"},
           {"dynamics.lane_changing", "true", "drivers change lanes, as real ones do"},
       },
       "mean_travel_time_with_unfinished_s",
       "mean travel time from the scheduled departure over all vehicles whose departure time came, "
       "unfinished ones counted with their time so far",
       {}},
      {"cityflow",
       "CityFlow's conventions, as in the papers on the Hangzhou, Jinan and New York datasets: the map's "
       "own 5 s right-turn-only clearance on every change, no yellow, no lane changes",
       {
           {"signals.yellow_s", "0", "CityFlow has no yellow; the maps carry their own clearance phase instead"},
           {"signals.all_red_s", "5",
            "the maps' clearance phase (5 s, only right turns green), which the reference environments "
            "(CoLight, PressLight: YELLOW_TIME 5, ALL_RED_TIME 0) insert on every phase change; right turns "
            "are green in every phase of these maps, so they keep flowing through trafficsim's all-red too"},
           {"dynamics.lane_changing", "false",
            "the CityFlow configurations of these benchmarks run without lane changes (laneChange: false)"},
           {"dynamics.gridlock_action", "\"wait\"", "CityFlow never teleports a vehicle"},
       },
       "mean_travel_time_with_unfinished_s",
       "CityFlow's average travel time (Engine::getAverageTravelTime): finished vehicles with their travel "
       "time, and every vehicle still in the engine, including those waiting to enter, with the time "
       "from its departure to the end of the run",
       {"CityFlow's own fixed-time program (rlTrafficLight false) shows the clearance phase once per 245 s "
        "cycle; the reference environments show it on every phase change, as this protocol does (8 x 35 s = 280 s)",
        "the environments cycle or choose among 4 of each map's 8 phases (the two-approach ones); trafficsim "
        "uses the map's whole program",
        "policies decide at the controller's minimum green and their own minimum phase time, not at the "
        "fixed action interval (MIN_ACTION_TIME, clearance included) of the environments built on CityFlow: "
        "10 s in CoLight's and PressLight's, 15 s in Efficient-/Advanced-XLight's",
        "the Efficient-/Advanced-XLight environment turns lane changes on (laneChange true); CoLight's, and this "
        "protocol, keep them off",
        "some papers' travel times are not CityFlow's average travel time: CoLight's was summed over "
        "intersection approaches, without the last lane and the time inside junctions (see docs)"}},
      {"resco",
       "RESCO's conventions on SUMO: an explicit yellow on every change, no teleports, delay = time loss + "
       "departure delay over every vehicle due to depart",
       {
           {"signals.yellow_s", "4", "RESCO's MultiSignal environment inserts a 4 s yellow (yellow_length=4)"},
           {"signals.all_red_s", "0", "RESCO inserts no all-red"},
           {"dynamics.gridlock_action", "\"wait\"", "RESCO runs SUMO with --time-to-teleport -1"},
           {"dynamics.lane_changing", "true", "SUMO changes lanes by default and RESCO keeps it"},
       },
       "mean_delay_with_unfinished_s",
       "RESCO's delay: per vehicle, SUMO's time loss plus departure delay (unfinished trips written with "
       "--tripinfo-output.write-unfinished), and end time minus scheduled departure for vehicles that never "
       "entered; averaged over all of them",
       {"RESCO counts as never departed only vehicles scheduled after the last one that departed; trafficsim "
        "counts every vehicle whose departure time came, entered or not",
        "RESCO's agents act every 10 s (step_length=10); trafficsim's policies decide at their own "
        "minimum phase time"}},
      {"citybrain",
       "the KDD Cup 2021 City Brain Challenge's conventions: no yellow, 5 s all-red on every phase change, lane "
       "changes, vehicles served and the delay index over them",
       {
           {"signals.yellow_s", "0", "the challenge's engine shows no yellow"},
           {"signals.all_red_s", "5",
            "5 s of all-red at the start of every new phase, during which no vehicle may pass (cbengine.rst, "
            "Actions; APIs.rst, step)"},
           {"dynamics.lane_changing", "true",
            "CBEngine's car-following and lane-changing models are 'similar to SUMO' (cbengine.rst)"},
           {"dynamics.gridlock_action", "\"wait\"",
            "a vehicle is never moved ahead; a teleport would shorten travel times and so the delay index"},
       },
       "delay_index_served",
       "the challenge's delay index: per vehicle that entered the network, (travel time since its departure "
       "time + free-flow time of the rest of its route) / free-flow time of its route, averaged; ranked after "
       "the vehicles served (entered the network), column `entered`",
       {"the challenge stops a run once the delay index crosses its threshold (1.40 in the final round) and "
        "scores the last check; trafficsim runs the full duration and reports both measures at its end",
        "policies decide at the controller's minimum green and their own minimum phase time, not at the "
        "challenge's fixed 10 s action interval",
        "the free-flow time is trafficsim's (the route's lanes and junction connectors at the speed limit); "
        "CBEngine computes its own t_ff, which its documentation does not define further",
        "car-following and lane changing are trafficsim's (IDM and MOBIL), not CBEngine's"}},
  };
  return protocols;
}

const BenchmarkProtocol* findBenchmarkProtocol(const std::string& name) {
  for (const BenchmarkProtocol& p : benchmarkProtocols())
    if (p.name == name) return &p;
  return nullptr;
}

std::string benchmarkProtocolNames() {
  std::string out;
  for (const BenchmarkProtocol& p : benchmarkProtocols()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

}  // namespace traffic

// trafficsim._core: the Python binding of the engine (pybind11), wrapped by the pure-Python package
// in python/trafficsim/.
//
// Why it exists: signal-control and learning researchers work in Python; this lets them load any
// scenario the command line runs, step it, read observations as numpy arrays and set phases.
//
// Guarantees:
// - Threading: step() releases the GIL, so simulations in several Python threads run in parallel.
//   One Simulation is used by one thread at a time: every method takes the simulation's lock, so a
//   second thread waits instead of reading a world in the middle of a step.
// - Determinism: same scenario, seed and overrides, and the same set_phase calls at the same times,
//   give bit-identical results for any `threads` (the engine's guarantee; nothing here adds state
//   that depends on timing).
// - Errors: scenario errors raise trafficsim.LoadError (a ValueError) with the command line's message
//   (file, entity, reason); bad indices raise IndexError, bad values ValueError. Nothing here aborts
//   the interpreter on bad input.
// - Arrays: observations are filled by C++ straight into numpy buffers (observation.h), one pass
//   over the engine's storage, no Python object per element.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "traffic/errors.h"
#include "traffic/external_policy.h"
#include "traffic/observation.h"
#include "traffic/outputs.h"
#include "traffic/scenario.h"
#include "traffic/world.h"
#include "env_kernel.h"
#include "python_policy.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace traffic::python {
namespace {

template <class T>
using Array = py::array_t<T, py::array::c_style>;

template <class T>
std::span<T> spanOf(Array<T>& a) {
  return {a.mutable_data(), static_cast<std::size_t>(a.size())};
}

// The array stored under `key` in `out`, checked to be a writeable, contiguous 1-D array of T with
// `n` entries; or a new one stored there when `out` lacks the key.
template <class T>
Array<T> outputArray(py::dict& out, const char* key, std::size_t n) {
  if (out.contains(key)) {
    py::object given = out[key];
    if (!py::isinstance<py::array>(given)) throw py::type_error(std::string("out['") + key + "'] must be a numpy array");
    auto arr = py::reinterpret_borrow<py::array>(given);
    if (!arr.dtype().is(py::dtype::of<T>()))
      throw py::type_error(std::string("out['") + key + "'] must have dtype " +
                           py::str(py::dtype::of<T>()).cast<std::string>() + ", got " +
                           py::str(arr.dtype()).cast<std::string>());
    if (arr.ndim() != 1 || static_cast<std::size_t>(arr.shape(0)) != n)
      throw py::value_error(std::string("out['") + key + "'] must be 1-D with " + std::to_string(n) + " entries");
    if (!(arr.flags() & py::array::c_style) || !arr.writeable())
      throw py::value_error(std::string("out['") + key + "'] must be contiguous and writeable");
    return py::reinterpret_borrow<Array<T>>(given);
  }
  Array<T> arr(static_cast<py::ssize_t>(n));
  out[key] = arr;
  return arr;
}

class Simulation {
 public:
  static constexpr int kSignalCheckSteps = 16;

  Simulation(std::filesystem::path scenarioPath, std::vector<std::string> overrides, int threads, bool validate,
             std::optional<std::size_t> minVehiclesForParallel)
      : m_path(std::move(scenarioPath)), m_overrides(std::move(overrides)) {
    if (threads < 0) throw py::value_error("threads must be >= 0 (0: one per core), got " + std::to_string(threads));
    m_options.threads = threads;
    m_options.validate = validate;
    if (minVehiclesForParallel) m_options.minVehiclesForParallel = *minVehiclesForParallel;
    py::gil_scoped_release release;
    m_scenario = std::make_unique<Scenario>(loadScenario(m_path, m_overrides));
    build();
  }

  int step(long long n) {
    if (n < 0) throw py::value_error("step(n): n must be >= 0, got " + std::to_string(n));
    int done = 0;
    bool interrupted = false;
    std::exception_ptr policyError;
    {
      py::gil_scoped_release release;
      const auto held = acquire();
      const auto t0 = std::chrono::steady_clock::now();
      for (; done < n && !m_world->finished(); ++done) {
        m_world->step();
        if (m_pythonPolicy) {
          if ((policyError = m_pythonPolicy->takeError())) {
            ++done;
            break;
          }
        }
        // Ctrl-C reaches Python only through its signal check; look every few steps so that a
        // long step(n) stops within a fraction of a second, between two steps.
        if ((done + 1) % kSignalCheckSteps == 0) {
          py::gil_scoped_acquire acquire;
          if (PyErr_CheckSignals() != 0) {
            interrupted = true;
            ++done;
            break;
          }
        }
      }
      m_wallS += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    if (policyError) std::rethrow_exception(policyError);
    if (interrupted) throw py::error_already_set();  // the KeyboardInterrupt (or the handler's error)
    return done;
  }

  /// Starts again from time 0 on the loaded network and demand. Another seed is applied without
  /// loading anything when the seed only drives the run (Scenario::seedShapesInputs is false: a
  /// copy of the scenario with the new seed); when it drew the demand at load (generated flows,
  /// passengers, jitter...) the scenario is loaded again with it. Control requests are dropped.
  void reset(std::optional<std::uint64_t> seed) {
    py::gil_scoped_release release;
    const auto held = acquire();
    if (seed && *seed != m_scenario->seed) {
      std::unique_ptr<Scenario> scenario;
      if (m_scenario->seedShapesInputs) {
        std::vector<std::string> overrides = m_overrides;
        overrides.push_back("scenario.seed=" + std::to_string(*seed));
        scenario = std::make_unique<Scenario>(loadScenario(m_path, overrides));  // throws before any change
      } else {
        scenario = std::make_unique<Scenario>(*m_scenario);  // shares the network
        scenario->seed = *seed;
      }
      m_world.reset();
      m_scenario = std::move(scenario);
    }
    m_world.reset();
    build();
  }

  /// The world's complete state as bytes (traffic/checkpoint.h).
  py::bytes checkpoint() {
    std::vector<std::uint8_t> bytes;
    {
      py::gil_scoped_release release;
      const auto held = acquire();
      bytes = m_world->checkpoint();
    }
    return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  /// Continues from checkpoint() bytes of a simulation of the same scenario, seed and overrides.
  /// set_phase requests are part of the state; a set_policy callable is not (it must be the same
  /// kind of callable, and whatever it remembers is its own business).
  void restore(const py::bytes& data) {
    const std::string_view view = data;
    const std::vector<std::uint8_t> bytes(view.begin(), view.end());
    py::gil_scoped_release release;
    const auto held = acquire();
    m_world->restore(bytes, "checkpoint");
  }

  double time() const {
    const auto held = acquire();
    return m_world->timeS();
  }
  bool done() const {
    const auto held = acquire();
    return m_world->finished();
  }
  std::uint64_t steps() const {
    const auto held = acquire();
    return m_world->stepCount();
  }
  double stepLength() const { return m_scenario->stepS; }
  double duration() const { return m_scenario->durationS; }
  std::uint64_t seed() const { return m_scenario->seed; }
  int threads() const { return m_world->threads(); }
  const std::string& name() const { return m_scenario->name; }
  const std::string& policyName() const { return m_scenario->signalPolicy.name; }
  std::string scenarioPath() const { return m_path.string(); }
  const std::vector<std::string>& overrides() const { return m_overrides; }
  double wallSeconds() const { return m_wallS; }
  py::dict signalTiming() const {
    py::dict d;
    d["yellow_s"] = m_scenario->signalTiming.yellowS;
    d["all_red_s"] = m_scenario->signalTiming.allRedS;
    d["min_green_s"] = m_scenario->signalTiming.minGreenS;
    return d;
  }

  std::string summaryJsonText() {
    const auto held = acquire();
    return summaryJson(m_world->summary(m_wallS));
  }

  py::dict counts() {
    const auto held = acquire();
    const VehicleCounts c = m_world->counts();
    py::dict d;
    d["spawned"] = c.spawned;
    d["entered"] = c.entered;
    d["arrived"] = c.arrived;
    d["running"] = c.running;
    d["waiting_to_enter"] = c.waitingToEnter;
    d["teleported"] = c.teleported;
    d["gridlock_reports"] = c.gridlockReports;
    d["lane_changes"] = c.laneChanges;
    d["hard_brakes"] = c.hardBrakes;
    d["clamped_moves"] = c.clampedMoves;
    d["rerouted_missed_turns"] = c.reroutedMissedTurns;
    d["halted_in_box"] = c.haltedInBox;
    return d;
  }

  // One entry per trip whose departure has come, in trip order, as trips.csv has them; times of
  // events that have not happened are NaN (empty cells in the CSV).
  py::dict trips() {
    const auto held = acquire();
    const std::vector<TripRecord> records = m_world->tripRecords();
    const auto& demand = m_scenario->demand.trips;
    const std::size_t n = records.size();
    Array<std::uint32_t> index(n);
    Array<double> depart(n), enter(n), arrive(n), travel(n), freeFlow(n), delay(n), routeLength(n), distance(n);
    Array<double> timeLoss(n), departDelay(n), waiting(n);
    Array<std::uint32_t> stops(n), waitingCount(n);
    Array<bool> teleported(n);
    py::list ids, classes, types;
    const double nan = std::nan("");
    for (std::size_t i = 0; i < n; ++i) {
      const TripRecord& r = records[i];
      const bool arrived = r.arriveS >= 0;
      index.mutable_at(i) = r.tripIndex;
      depart.mutable_at(i) = r.departS;
      enter.mutable_at(i) = r.enterS >= 0 ? r.enterS : nan;
      arrive.mutable_at(i) = arrived ? r.arriveS : nan;
      travel.mutable_at(i) = arrived ? r.arriveS - r.departS : nan;
      freeFlow.mutable_at(i) = r.freeFlowS;
      delay.mutable_at(i) = arrived ? r.arriveS - r.departS - r.freeFlowS : nan;
      stops.mutable_at(i) = r.stops;
      routeLength.mutable_at(i) = r.routeLengthM;
      distance.mutable_at(i) = r.distanceM;
      teleported.mutable_at(i) = r.teleported;
      const bool entered = r.enterS >= 0;
      timeLoss.mutable_at(i) = entered ? r.timeLossS : nan;
      departDelay.mutable_at(i) = entered ? r.enterS - r.departS : nan;
      waiting.mutable_at(i) = entered ? r.waitingS : nan;
      waitingCount.mutable_at(i) = r.waitingCount;
      ids.append(demand[r.tripIndex].id);
      classes.append(std::string(toString(r.vehicleClass)));
      types.append(m_scenario->vehicleTypes[demand[r.tripIndex].type.index()].name);
    }
    py::module_ np = py::module_::import("numpy");
    py::dict d;
    d["trip_index"] = index;
    d["id"] = np.attr("array")(ids, "dtype"_a = "str");
    d["class"] = np.attr("array")(classes, "dtype"_a = "str");
    d["type"] = np.attr("array")(types, "dtype"_a = "str");
    d["depart_s"] = depart;
    d["enter_s"] = enter;
    d["arrive_s"] = arrive;
    d["travel_time_s"] = travel;
    d["free_flow_s"] = freeFlow;
    d["delay_s"] = delay;
    d["stops"] = stops;
    d["route_length_m"] = routeLength;
    d["distance_m"] = distance;
    d["teleported"] = teleported;
    d["time_loss_s"] = timeLoss;
    d["depart_delay_s"] = departDelay;
    d["waiting_time_s"] = waiting;
    d["waiting_count"] = waitingCount;
    return d;
  }

  py::dict timeseries() {
    const auto held = acquire();
    const auto& rows = m_world->timeseries();
    const std::size_t n = rows.size();
    Array<double> time(n), speed(n), delayIndex(n);
    Array<std::uint32_t> running(n), waiting(n);
    Array<std::uint64_t> arrived(n);
    for (std::size_t i = 0; i < n; ++i) {
      time.mutable_at(i) = rows[i].timeS;
      running.mutable_at(i) = rows[i].running;
      waiting.mutable_at(i) = rows[i].waitingToEnter;
      arrived.mutable_at(i) = rows[i].arrived;
      speed.mutable_at(i) = rows[i].meanSpeedMps;
      delayIndex.mutable_at(i) = rows[i].delayIndex;
    }
    py::dict d;
    d["time_s"] = time;
    d["running"] = running;
    d["waiting_to_enter"] = waiting;
    d["arrived"] = arrived;
    d["mean_speed_mps"] = speed;
    d["delay_index"] = delayIndex;
    return d;
  }

  void writeOutputs(const std::filesystem::path& dir) {
    py::gil_scoped_release release;
    const auto held = acquire();
    writeRunOutputs(dir, *m_scenario, m_world->summary(m_wallS), m_world->tripRecords(), m_world->timeseries(),
                    m_world->transitRecords());
  }

  std::vector<std::uint32_t> tripRoute(long long trip) const {
    const auto& trips = m_scenario->demand.trips;
    if (trip < 0 || static_cast<std::size_t>(trip) >= trips.size())
      throw py::index_error("trip index " + std::to_string(trip) + " out of range (the scenario has " +
                            std::to_string(trips.size()) + " trips)");
    std::vector<std::uint32_t> roads;
    for (RoadId r : m_scenario->demand.routes.route(trips[static_cast<std::size_t>(trip)].route)) roads.push_back(r.value);
    return roads;
  }

  std::vector<std::string> tripIds() const {
    std::vector<std::string> ids;
    ids.reserve(m_scenario->demand.trips.size());
    for (const Trip& t : m_scenario->demand.trips) ids.push_back(t.id);
    return ids;
  }

  // ---- network description: raw index arrays; python/trafficsim/network.py builds the objects.
  py::dict networkArrays() const {
    const RoadNetwork& net = *m_scenario->network;
    py::dict d;
    const auto& junctions = net.junctions();
    py::list junctionNames, junctionIncoming, junctionOutgoing, junctionPhases;
    Array<bool> boundary(junctions.size()), signalised(junctions.size());
    Array<double> jx(junctions.size()), jy(junctions.size());
    for (std::size_t j = 0; j < junctions.size(); ++j) {
      const Junction& junction = junctions[j];
      junctionNames.append(junction.name);
      boundary.mutable_at(j) = junction.boundary;
      signalised.mutable_at(j) = junction.program.has_value() && !junction.program->phases.empty();
      jx.mutable_at(j) = junction.position.x;
      jy.mutable_at(j) = junction.position.y;
      py::list in, out, phases;
      for (RoadId r : junction.incoming) in.append(r.value);
      for (RoadId r : junction.outgoing) out.append(r.value);
      if (junction.program)
        for (const SignalPhase& p : junction.program->phases) {
          py::list green;
          for (MovementId m : p.green) green.append(m.value);
          // The clearance the controller inserts after the phase: the map's own, or [signals]'.
          const SignalTiming& timing = m_scenario->signalTiming;
          const bool own = timing.mapClearance;
          phases.append(py::make_tuple(p.durationS, green, own && p.yellowAfterS >= 0 ? p.yellowAfterS : timing.yellowS,
                                       own && p.allRedAfterS >= 0 ? p.allRedAfterS : timing.allRedS));
        }
      junctionIncoming.append(in);
      junctionOutgoing.append(out);
      junctionPhases.append(phases);
    }
    d["junction_name"] = junctionNames;
    d["junction_boundary"] = boundary;
    d["junction_signalised"] = signalised;
    d["junction_x"] = jx;
    d["junction_y"] = jy;
    d["junction_incoming_roads"] = junctionIncoming;
    d["junction_outgoing_roads"] = junctionOutgoing;
    d["junction_phases"] = junctionPhases;

    const auto& roads = net.roads();
    py::list roadNames;
    Array<std::int32_t> roadFrom(roads.size()), roadTo(roads.size()), roadFirstLane(roads.size()),
        roadLanes(roads.size());
    Array<double> roadLength(roads.size());
    for (std::size_t r = 0; r < roads.size(); ++r) {
      roadNames.append(roads[r].name);
      roadFrom.mutable_at(r) = static_cast<std::int32_t>(roads[r].from.value);
      roadTo.mutable_at(r) = static_cast<std::int32_t>(roads[r].to.value);
      roadFirstLane.mutable_at(r) = roads[r].lanes.empty() ? -1 : static_cast<std::int32_t>(roads[r].lanes.front().value);
      roadLanes.mutable_at(r) = static_cast<std::int32_t>(roads[r].lanes.size());
      roadLength.mutable_at(r) = roads[r].lengthM;
    }
    d["road_name"] = roadNames;
    d["road_from"] = roadFrom;
    d["road_to"] = roadTo;
    d["road_first_lane"] = roadFirstLane;
    d["road_lane_count"] = roadLanes;
    d["road_length_m"] = roadLength;

    const auto& lanes = net.lanes();
    Array<std::int32_t> laneRoad(lanes.size()), laneIndex(lanes.size());
    Array<double> laneLength(lanes.size()), laneSpeed(lanes.size()), laneWidth(lanes.size());
    for (std::size_t l = 0; l < lanes.size(); ++l) {
      laneRoad.mutable_at(l) = static_cast<std::int32_t>(lanes[l].road.value);
      laneIndex.mutable_at(l) = lanes[l].indexInRoad;
      laneLength.mutable_at(l) = lanes[l].lengthM;
      laneSpeed.mutable_at(l) = lanes[l].speedLimitMps;
      laneWidth.mutable_at(l) = lanes[l].widthM;
    }
    d["lane_road"] = laneRoad;
    d["lane_index"] = laneIndex;
    d["lane_length_m"] = laneLength;
    d["lane_speed_limit_mps"] = laneSpeed;
    d["lane_width_m"] = laneWidth;

    const auto& movements = net.movements();
    Array<std::int32_t> mJunction(movements.size()), mFrom(movements.size()), mTo(movements.size());
    py::list mTurn;
    for (std::size_t m = 0; m < movements.size(); ++m) {
      mJunction.mutable_at(m) = static_cast<std::int32_t>(movements[m].junction.value);
      mFrom.mutable_at(m) = static_cast<std::int32_t>(movements[m].fromRoad.value);
      mTo.mutable_at(m) = static_cast<std::int32_t>(movements[m].toRoad.value);
      mTurn.append(std::string(toString(movements[m].turn)));
    }
    d["movement_junction"] = mJunction;
    d["movement_from_road"] = mFrom;
    d["movement_to_road"] = mTo;
    d["movement_turn"] = mTurn;

    const auto& connectors = net.connectors();
    Array<std::int32_t> cMovement(connectors.size()), cFrom(connectors.size()), cTo(connectors.size());
    Array<double> cLength(connectors.size());
    for (std::size_t c = 0; c < connectors.size(); ++c) {
      cMovement.mutable_at(c) = static_cast<std::int32_t>(connectors[c].movement.value);
      cFrom.mutable_at(c) = static_cast<std::int32_t>(connectors[c].from.value);
      cTo.mutable_at(c) = static_cast<std::int32_t>(connectors[c].to.value);
      cLength.mutable_at(c) = connectors[c].lengthM;
    }
    d["connector_movement"] = cMovement;
    d["connector_from_lane"] = cFrom;
    d["connector_to_lane"] = cTo;
    d["connector_length_m"] = cLength;
    return d;
  }

  // ---- observations
  py::dict laneObservations(std::optional<py::dict> given) {
    py::dict out = given ? *given : py::dict();
    const std::size_t n = m_scenario->network->lanes().size();
    auto vehicles = outputArray<std::int32_t>(out, "vehicles", n);
    auto halting = outputArray<std::int32_t>(out, "halting", n);
    auto speed = outputArray<double>(out, "mean_speed", n);
    auto occupancy = outputArray<double>(out, "occupancy", n);
    auto waiting = outputArray<double>(out, "waiting_time", n);
    const auto held = acquire();
    observeLanes(*m_world, LaneArrays{spanOf(vehicles), spanOf(halting), spanOf(speed), spanOf(occupancy), spanOf(waiting)});
    return out;
  }

  py::dict signalObservations(std::optional<py::dict> given) {
    py::dict out = given ? *given : py::dict();
    const std::size_t n = m_scenario->network->junctions().size();
    auto phase = outputArray<std::int32_t>(out, "phase", n);
    auto next = outputArray<std::int32_t>(out, "next_phase", n);
    auto stage = outputArray<std::int32_t>(out, "stage", n);
    auto time = outputArray<double>(out, "time_in_stage", n);
    const auto held = acquire();
    observeSignals(*m_world, SignalArrays{spanOf(phase), spanOf(next), spanOf(stage), spanOf(time)});
    return out;
  }

  py::dict vehicleObservations() {
    const auto held = acquire();
    const std::size_t n = vehiclesInNetwork(*m_world);
    Array<std::uint32_t> id(n);
    Array<std::int32_t> lane(n), connector(n);
    Array<double> position(n), speed(n), waiting(n);
    Array<bool> inBay(n);
    static_assert(sizeof(bool) == sizeof(std::uint8_t));
    observeVehicles(*m_world, VehicleArrays{spanOf(id), spanOf(lane), spanOf(connector), spanOf(position),
                                            spanOf(speed), spanOf(waiting),
                                            {reinterpret_cast<std::uint8_t*>(inBay.mutable_data()), n}});
    py::dict d;
    d["id"] = id;
    d["lane"] = lane;
    d["connector"] = connector;
    d["position"] = position;
    d["speed"] = speed;
    d["waiting_time"] = waiting;
    d["in_bay"] = inBay;
    return d;
  }

  Array<std::uint32_t> waitingToEnter() {
    const auto held = acquire();
    const std::vector<std::uint32_t> ids = vehiclesWaitingToEnter(*m_world);
    Array<std::uint32_t> out(ids.size());
    std::copy(ids.begin(), ids.end(), out.mutable_data());
    return out;
  }

  // ---- control
  JunctionId junctionOf(const py::object& junction) const {
    const RoadNetwork& net = *m_scenario->network;
    if (py::isinstance<py::str>(junction)) {
      const auto name = junction.cast<std::string>();
      if (auto id = net.findJunction(name)) return *id;
      throw py::key_error("no junction named '" + name + "' in " + m_scenario->mapDescription);
    }
    // Any integer (Python int, numpy integer) through the index protocol; bools are refused.
    PyObject* asIndex = py::isinstance<py::bool_>(junction) ? nullptr : PyNumber_Index(junction.ptr());
    if (asIndex == nullptr) {
      PyErr_Clear();
      throw py::type_error("a junction is given by its index (int) or its name (str)");
    }
    const auto index = py::reinterpret_steal<py::int_>(asIndex).cast<long long>();
    if (index < 0 || static_cast<std::size_t>(index) >= net.junctions().size())
      throw py::index_error("junction index " + std::to_string(index) + " out of range (the network has " +
                            std::to_string(net.junctions().size()) + " junctions)");
    return JunctionId(static_cast<std::size_t>(index));
  }

  void setPhase(const py::object& junction, long long phase) {
    const JunctionId j = junctionOf(junction);
    if (phase < 0 || phase > INT32_MAX)
      throw py::index_error("phase " + std::to_string(phase) + " out of range for junction '" +
                            m_scenario->network->junction(j).name + "'");
    const auto held = acquire();
    m_control->request(j, static_cast<int>(phase));
  }

  // Many requests at once, for vector code: all are applied or, when one is bad, none.
  void setPhases(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& junctions,
                 const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& phases) {
    if (junctions.ndim() != 1 || phases.ndim() != 1 || junctions.size() != phases.size())
      throw py::value_error("set_phases: junctions and phases must be 1-D arrays of the same length");
    const std::size_t junctionCount = m_scenario->network->junctions().size();
    const std::int64_t* j = junctions.data();
    const std::int64_t* p = phases.data();
    const auto held = acquire();
    std::vector<std::pair<JunctionId, int>> previous;
    previous.reserve(static_cast<std::size_t>(junctions.size()));
    try {
      for (py::ssize_t k = 0; k < junctions.size(); ++k) {
        if (j[k] < 0 || static_cast<std::size_t>(j[k]) >= junctionCount)
          throw py::index_error("junction index " + std::to_string(j[k]) + " out of range (the network has " +
                                std::to_string(junctionCount) + " junctions)");
        if (p[k] < 0 || p[k] > INT32_MAX)
          throw py::index_error("phase " + std::to_string(p[k]) + " out of range");
        const JunctionId id(static_cast<std::size_t>(j[k]));
        previous.emplace_back(id, m_control->requested(id));
        m_control->request(id, static_cast<int>(p[k]));
      }
    } catch (...) {
      for (auto it = previous.rbegin(); it != previous.rend(); ++it) {
        if (it->second >= 0) m_control->request(it->first, it->second);
        else m_control->release(it->first);
      }
      throw;
    }
  }

  void release(const py::object& junction) {
    const JunctionId j = junctionOf(junction);
    const auto held = acquire();
    m_control->release(j);
  }

  void releaseAll() {
    const auto held = acquire();
    m_control->releaseAll();
  }

  std::optional<int> requestedPhase(const py::object& junction) const {
    const JunctionId j = junctionOf(junction);
    const auto held = acquire();
    const int p = m_control->requested(j);
    return p >= 0 ? std::optional<int>(p) : std::nullopt;
  }

  /// Many requests at once, already checked against the network: all are applied.
  void requestPhases(const std::vector<std::pair<JunctionId, int>>& requests) {
    const auto held = acquire();
    for (const auto& [junction, phase] : requests) m_control->request(junction, phase);
  }

  /// Calls f(world) under the simulation's lock, for readers outside this class (EnvCore).
  template <class F>
  void withWorld(F&& f) const {
    const auto held = acquire();
    f(static_cast<const World&>(*m_world));
  }

  /// For the garbage collector: the callable this simulation keeps alive (nullptr when none).
  PyObject* policyCallable() const { return m_policyCallable.is_none() ? nullptr : m_policyCallable.ptr(); }
  /// For the garbage collector breaking a cycle: back to the scenario's policy, with a fresh world
  /// (the old one borrows the callable), then release the callable.
  void dropPolicyCallable() {
    if (m_policyCallable.is_none()) return;
    const std::lock_guard lock(m_mutex);
    m_world.reset();
    py::object callable = std::move(m_policyCallable);
    m_policyCallable = py::none();
    build();
  }

  /// Decide the given junctions (all signalised ones when None) with `callable(context) -> phase`
  /// from the first step on; None goes back to the scenario's policy. Only before the first step.
  void setPolicy(py::object callable, std::optional<py::list> junctions) {
    const auto held = acquire();
    if (m_world->stepCount() != 0)
      throw py::value_error("set_policy: only before the first step (or right after reset())");
    const RoadNetwork& net = *m_scenario->network;
    std::vector<bool> controlled(net.junctions().size(), false);
    if (!callable.is_none()) {
      if (!PyCallable_Check(callable.ptr())) throw py::type_error("set_policy: expected a callable or None");
      if (junctions) {
        for (const py::handle& item : *junctions) {
          const JunctionId j = junctionOf(py::reinterpret_borrow<py::object>(item));
          const Junction& junction = net.junction(j);
          if (!junction.program || junction.program->phases.empty())
            throw py::value_error("set_policy: junction '" + junction.name + "' has no signal program");
          controlled[j.index()] = true;
        }
      } else {
        for (std::size_t j = 0; j < controlled.size(); ++j)
          controlled[j] = net.junctions()[j].program.has_value() && !net.junctions()[j].program->phases.empty();
      }
    }
    // A new world at time 0 with the new policy chain; requests made so far are kept.
    std::vector<int> requests(net.junctions().size());
    for (std::size_t j = 0; j < requests.size(); ++j) requests[j] = m_control->requested(JunctionId(j));
    m_world.reset();
    m_policyCallable = std::move(callable);
    m_policyControlled = std::move(controlled);
    build();
    for (std::size_t j = 0; j < requests.size(); ++j)
      if (requests[j] >= 0) m_control->request(JunctionId(j), requests[j]);
  }

 private:
  // The simulation's lock, refused to the policy callable (step() holds it while the callable runs).
  std::unique_lock<std::mutex> acquire() const {
    if (m_inCallback.load())
      throw std::runtime_error("a policy callable cannot call its Simulation (the step is in progress); "
                               "read its `context` argument instead");
    std::unique_lock<std::mutex> lock(m_mutex, std::try_to_lock);
    if (!lock.owns_lock()) {
      // Another thread is stepping; it may need the GIL for a policy callable, so wait without it.
      if (PyGILState_Check()) {
        py::gil_scoped_release release;
        lock.lock();
      } else {
        lock.lock();
      }
    }
    return lock;
  }

  // A fresh world on the loaded scenario: external requests, then the Python policy (if any) for
  // its junctions, then the scenario's policy.
  void build() {
    m_world = std::make_unique<World>(*m_scenario, m_options);
    std::unique_ptr<SignalPolicy> policy = makeSignalPolicy(m_scenario->signalPolicy, m_scenario->sourceFile.string());
    m_pythonPolicy = nullptr;
    if (!m_policyCallable.is_none()) {
      auto python = std::make_unique<PythonPolicy>(m_policyCallable.ptr(), m_policyControlled, std::move(policy),
                                                   m_scenario->network->lanes().size(), &m_inCallback);
      m_pythonPolicy = python.get();
      policy = std::move(python);
    }
    auto control = std::make_unique<ExternalPhasePolicy>(*m_scenario->network, std::move(policy));
    m_control = control.get();
    m_world->setSignalPolicy(std::move(control));
    m_wallS = 0;
  }

  std::filesystem::path m_path;
  std::vector<std::string> m_overrides;
  WorldOptions m_options;
  std::unique_ptr<Scenario> m_scenario;  // outlives m_world, which refers to it
  py::object m_policyCallable = py::none();  // outlives m_world, whose PythonPolicy borrows it
  std::vector<bool> m_policyControlled;
  mutable std::atomic<bool> m_inCallback{false};
  std::unique_ptr<World> m_world;
  ExternalPhasePolicy* m_control = nullptr;  // owned by m_world
  PythonPolicy* m_pythonPolicy = nullptr;    // owned by m_control, when a callable decides
  double m_wallS = 0;
  mutable std::mutex m_mutex;
};

// The environments' step for all agents in one call (python/trafficsim/env.py wraps it): actions
// in, phases requested, the engine stepped with the GIL released, and the five PettingZoo dicts
// out, with every observation a view of one new float32 array. The arithmetic is EnvKernel's; what
// is here is the Python side of it, written against the C API where pybind11's wrappers would cost
// more than the figures themselves (a few hundred nanoseconds per dict entry).
class EnvCore {
 public:
  EnvCore(py::object simulation, const std::vector<std::string>& names, std::vector<std::int32_t> junctions,
          std::vector<std::int32_t> phaseCounts, std::vector<std::int32_t> inLanes, std::vector<std::int32_t> inCounts,
          std::vector<std::int32_t> outLanes, std::vector<std::int32_t> outCounts, std::vector<double> capacity,
          std::vector<double> speedLimits, double minGreenS, int reward, long long stepsPerAction, double numSeconds)
      : m_simObject(std::move(simulation)),
        m_sim(m_simObject.cast<Simulation*>()),
        m_stepsPerAction(stepsPerAction),
        m_numSeconds(numSeconds) {
    if (reward < static_cast<int>(EnvReward::None) || reward > static_cast<int>(EnvReward::AverageSpeed))
      throw py::value_error("EnvCore: unknown reward code " + std::to_string(reward));
    if (stepsPerAction < 1) throw py::value_error("EnvCore: steps per action must be >= 1");
    if (names.empty()) throw py::value_error("EnvCore: no agents");
    EnvLayout layout{std::move(junctions), std::move(phaseCounts), std::move(inLanes), std::move(inCounts),
                     std::move(outLanes), std::move(outCounts), std::move(capacity), std::move(speedLimits),
                     minGreenS, static_cast<EnvReward>(reward)};
    m_sim->withWorld([&](const World& world) {
      try {
        m_kernel = std::make_unique<EnvKernel>(std::move(layout), names, world);
      } catch (const std::invalid_argument& e) {
        throw py::value_error(e.what());
      }
    });
    for (std::size_t k = 0; k < names.size(); ++k) {
      py::str name(names[k]);
      m_names.push_back(name);
      m_index[name] = k;
      const auto begin = static_cast<py::ssize_t>(m_kernel->observationOffset(k));
      const auto end = static_cast<py::ssize_t>(m_kernel->observationOffset(k + 1));
      m_slices.push_back(py::slice(begin, end, 1));
    }
    m_rewards.assign(names.size(), 0.0);
    // When every agent's observation has the same length, observations are the rows of an
    // (agents, length) array: taking a row costs numpy about half of taking a slice.
    m_rowLength = m_kernel->observationOffset(1);
    for (std::size_t k = 0; k < names.size(); ++k)
      if (m_kernel->observationOffset(k + 1) - m_kernel->observationOffset(k) != m_rowLength) m_rowLength = 0;
    m_flat = newObservationArray();
    std::fill(m_flat.mutable_data(), m_flat.mutable_data() + m_flat.size(), 0.0f);
  }

  /// After Simulation.reset(): the first observations and infos of the episode.
  py::tuple reset() {
    observe(true);
    return py::make_tuple(observations(), infos());
  }

  /// (observations, rewards, terminations, truncations, infos, ended); rewards is None when the
  /// environment's reward is a Python callable.
  py::tuple step(const py::handle& actions) {
    request(actions);
    const double time = m_sim->time();
    const auto remaining = static_cast<long long>(std::ceil((m_numSeconds - time) / m_sim->stepLength() - 1e-9));
    m_sim->step(std::min(m_stepsPerAction, std::max(remaining, 0LL)));
    observe(false);
    const bool ended = m_sim->done() || m_totals.timeS >= m_numSeconds - 1e-9;
    py::object rewards = py::none();
    if (m_kernel->reward() != EnvReward::None) {
      rewards = py::reinterpret_steal<py::object>(PyDict_New());
      for (std::size_t k = 0; k < m_names.size(); ++k) setItem(rewards, m_names[k], PyFloat_FromDouble(m_rewards[k]));
    }
    py::object terminations = py::reinterpret_steal<py::object>(PyDict_New());
    py::object truncations = py::reinterpret_steal<py::object>(PyDict_New());
    for (const py::str& name : m_names) {
      if (PyDict_SetItem(terminations.ptr(), name.ptr(), Py_False) != 0 ||
          PyDict_SetItem(truncations.ptr(), name.ptr(), ended ? Py_True : Py_False) != 0)
        throw py::error_already_set();
    }
    return py::make_tuple(observations(), rewards, terminations, truncations, infos(), ended);
  }

  /// The last observations of every agent, concatenated (a new array per step: never overwritten).
  py::array flat() const { return py::array(m_flat).reshape({m_flat.size()}); }
  std::size_t agentIndex(const py::str& name) const {
    PyObject* k = PyDict_GetItemWithError(m_index.ptr(), name.ptr());
    if (k == nullptr) {
      if (PyErr_Occurred()) throw py::error_already_set();
      throw py::key_error(name);
    }
    return py::handle(k).cast<std::size_t>();
  }
  py::array observation(const py::str& name) const { return py::reinterpret_steal<py::array>(view(agentIndex(name))); }

 private:
  static void setItem(const py::object& dict, const py::str& key, PyObject* value) {
    if (value == nullptr) throw py::error_already_set();
    const int failed = PyDict_SetItem(dict.ptr(), key.ptr(), value);
    Py_DECREF(value);
    if (failed != 0) throw py::error_already_set();
  }

  // The actions of a mapping {agent: phase}: all checked, then all requested (or none).
  void request(const py::handle& actions) {
    if (actions.is_none()) return;
    py::object items;
    if (!PyDict_Check(actions.ptr())) items = actions.attr("items")();
    m_requests.clear();
    const auto one = [&](PyObject* key, PyObject* value) {
      PyObject* found = PyDict_GetItemWithError(m_index.ptr(), key);
      if (found == nullptr) {
        if (PyErr_Occurred()) throw py::error_already_set();
        PyErr_SetObject(PyExc_KeyError, key);
        throw py::error_already_set();
      }
      const auto k = static_cast<std::size_t>(PyLong_AsSsize_t(found));
      // int(action), as the environment always took it; Python ints need no conversion.
      PyObject* asInt = value;
      if (PyLong_CheckExact(value)) Py_INCREF(value);
      else asInt = PyNumber_Long(value);
      if (asInt == nullptr) throw py::error_already_set();
      int overflow = 0;
      const long long phase = PyLong_AsLongLongAndOverflow(asInt, &overflow);
      Py_DECREF(asInt);
      if (overflow != 0 || phase < 0 || phase >= m_kernel->phaseCount(k))
        throw py::index_error("agent '" + m_names[k].cast<std::string>() + "': phase " +
                              py::str(value).cast<std::string>() + " out of range (0 to " +
                              std::to_string(m_kernel->phaseCount(k) - 1) + ")");
      m_requests.emplace_back(JunctionId(static_cast<std::size_t>(m_kernel->junction(k))), static_cast<int>(phase));
    };
    if (items) {
      for (const py::handle item : items) {
        const auto pair = py::reinterpret_borrow<py::tuple>(item);
        one(pair[0].ptr(), pair[1].ptr());
      }
    } else {
      PyObject *key, *value;
      Py_ssize_t pos = 0;
      while (PyDict_Next(actions.ptr(), &pos, &key, &value)) one(key, value);
    }
    if (!m_requests.empty()) m_sim->requestPhases(m_requests);
  }

  Array<float> newObservationArray() const {
    if (m_rowLength > 0)
      return Array<float>({static_cast<py::ssize_t>(m_names.size()), static_cast<py::ssize_t>(m_rowLength)});
    return Array<float>(static_cast<py::ssize_t>(m_kernel->observationSize()));
  }

  // Agent k's observation, a view of m_flat (a new reference).
  PyObject* view(std::size_t k) const {
    PyObject* v = m_rowLength > 0 ? PySequence_GetItem(m_flat.ptr(), static_cast<Py_ssize_t>(k))
                                  : PyObject_GetItem(m_flat.ptr(), m_slices[k].ptr());
    if (v == nullptr) throw py::error_already_set();
    return v;
  }

  void observe(bool start) {
    Array<float> flat = newObservationArray();
    m_sim->withWorld([&](const World& world) {
      m_kernel->observe(world, start, flat.mutable_data(), m_rewards.data(), m_totals);
    });
    m_flat = std::move(flat);
  }

  py::object observations() const {
    py::object d = py::reinterpret_steal<py::object>(PyDict_New());
    for (std::size_t k = 0; k < m_names.size(); ++k) setItem(d, m_names[k], view(k));
    return d;
  }

  py::object infos() const {
    py::object info = py::reinterpret_steal<py::object>(PyDict_New());
    setItem(info, m_infoKeys[0], PyFloat_FromDouble(m_totals.timeS));
    setItem(info, m_infoKeys[1], PyLong_FromUnsignedLongLong(m_totals.step));
    setItem(info, m_infoKeys[2], PyLong_FromLongLong(m_totals.stopped));
    setItem(info, m_infoKeys[3], PyFloat_FromDouble(m_totals.waitingS));
    setItem(info, m_infoKeys[4], PyFloat_FromDouble(m_totals.meanSpeedMps));
    setItem(info, m_infoKeys[5], PyLong_FromLongLong(m_totals.vehicles));
    py::object d = py::reinterpret_steal<py::object>(PyDict_New());
    for (const py::str& name : m_names) setItem(d, name, PyDict_Copy(info.ptr()));
    return d;
  }

  py::object m_simObject;  // keeps the simulation alive
  Simulation* m_sim;
  long long m_stepsPerAction;
  double m_numSeconds;
  std::unique_ptr<EnvKernel> m_kernel;
  std::vector<py::str> m_names;
  py::dict m_index;  // agent name -> k
  std::vector<py::slice> m_slices;
  std::vector<double> m_rewards;
  EnvTotals m_totals;
  std::size_t m_rowLength = 0;  // the observations' common length, or 0 when they differ
  Array<float> m_flat;          // (agents, m_rowLength) or, when lengths differ, 1-D
  std::vector<std::pair<JunctionId, int>> m_requests;
  const std::array<py::str, 6> m_infoKeys{py::str("time"), py::str("step"), py::str("system_total_stopped"),
                                          py::str("system_total_waiting_time"), py::str("system_mean_speed"),
                                          py::str("system_vehicles")};
};

// The Simulation inside a Python object, or nullptr while it is not constructed (a failed __init__).
Simulation* simulationOf(PyObject* self) {
  auto* instance = reinterpret_cast<py::detail::instance*>(self);
  const auto& types = py::detail::all_type_info(Py_TYPE(self));
  if (types.empty()) return nullptr;
  const py::detail::value_and_holder vh = instance->get_value_and_holder(types.front());
  return vh.holder_constructed() ? vh.template holder<std::unique_ptr<Simulation>>().get() : nullptr;
}

}  // namespace
}  // namespace traffic::python

using traffic::python::EnvCore;
using traffic::python::Simulation;
using traffic::python::simulationOf;

PYBIND11_MODULE(_core, m) {
  m.doc() = "trafficsim engine binding; use the package trafficsim, which wraps it.";

  // LoadError carries the command line's message and its parts as attributes.
  static py::exception<traffic::LoadError> loadError(m, "LoadError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const traffic::LoadError& e) {
      py::object instance = py::handle(loadError.ptr())(e.what());
      instance.attr("file") = e.file();
      instance.attr("entity") = e.entity();
      instance.attr("reason") = e.reason();
      instance.attr("line") = e.line() ? py::object(py::int_(*e.line())) : py::object(py::none());
      PyErr_SetObject(loadError.ptr(), instance.ptr());
    }
  });

  py::class_<traffic::python::PolicyContext>(m, "PolicyContext",
                                             "What a policy callable sees of one junction at one decision.")
      .def_readonly("junction", &traffic::python::PolicyContext::junction, "Junction index.")
      .def_readonly("time", &traffic::python::PolicyContext::timeS, "Simulated time of the decision, s.")
      .def_readonly("phase", &traffic::python::PolicyContext::phase, "The phase green now.")
      .def_readonly("time_in_phase", &traffic::python::PolicyContext::timeInPhaseS, "Time it has been green, s.")
      .def_readonly("phase_count", &traffic::python::PolicyContext::phaseCount, "Phases of the junction's program.")
      .def_readonly("lanes", &traffic::python::PolicyContext::lanes,
                    "Per lane of the network, the sensors the built-in policies read: vehicles, halting, "
                    "approaching, occupancy, waiting_time, flow_veh_per_h (numpy arrays, shared within a step).");

  m.def("policy_names", &traffic::signalPolicyNames,
        "Names of the signal policies a scenario may choose (built-in, then registered from C++).");

  // A policy callable often refers back to its simulation (a controller object holding it), a
  // reference cycle through C++ that Python's collector must be able to see and break; without
  // these slots every such simulation would leak.
  py::class_<Simulation>(m, "Simulation", "One run of a scenario; use trafficsim.Simulation, which wraps this class.",
                         py::custom_type_setup([](PyHeapTypeObject* heapType) {
                           auto* type = &heapType->ht_type;
                           type->tp_flags |= Py_TPFLAGS_HAVE_GC;
                           type->tp_traverse = [](PyObject* self, visitproc visit, void* arg) -> int {
                             Py_VISIT(Py_TYPE(self));
                             auto* sim = simulationOf(self);
                             if (sim != nullptr) Py_VISIT(sim->policyCallable());
                             return 0;
                           };
                           type->tp_clear = [](PyObject* self) -> int {
                             if (auto* sim = simulationOf(self)) sim->dropPolicyCallable();
                             return 0;
                           };
                         }))
      .def(py::init<std::filesystem::path, std::vector<std::string>, int, bool, std::optional<std::size_t>>(),
           "scenario"_a, "overrides"_a = std::vector<std::string>{}, "threads"_a = 1, "validate"_a = false,
           "min_vehicles_for_parallel"_a = py::none())
      .def("step", &Simulation::step, "n"_a = 1,
           "Advance n steps (fewer at the end of the scenario) with the GIL released; returns the steps done.")
      .def("reset", &Simulation::reset, "seed"_a = py::none(),
           "Start again at time 0 on the loaded network and demand; another seed is applied without reloading "
           "unless it shaped the demand at load.")
      .def("checkpoint", &Simulation::checkpoint,
           "The complete state of the simulation as bytes; restore() continues from it bit-identically.")
      .def("restore", &Simulation::restore, "data"_a,
           "Continue from checkpoint() bytes of a simulation of the same scenario, seed and overrides.")
      .def_property_readonly("time", &Simulation::time, "Simulated time, s.")
      .def_property_readonly("done", &Simulation::done, "Whether the scenario's duration is reached.")
      .def_property_readonly("steps", &Simulation::steps, "Steps done since the start.")
      .def_property_readonly("step_length", &Simulation::stepLength, "Length of a step, s.")
      .def_property_readonly("duration", &Simulation::duration, "The scenario's duration, s.")
      .def_property_readonly("seed", &Simulation::seed, "The scenario's seed.")
      .def_property_readonly("threads", &Simulation::threads, "Worker threads of the world.")
      .def_property_readonly("name", &Simulation::name, "The scenario's name.")
      .def_property_readonly("policy", &Simulation::policyName,
                             "The signal policy of the junctions not controlled with set_phase.")
      .def_property_readonly("scenario_path", &Simulation::scenarioPath, "The scenario file.")
      .def_property_readonly("overrides", &Simulation::overrides, "The key=value overrides applied at load.")
      .def_property_readonly("wall_seconds", &Simulation::wallSeconds, "Wall time spent in step since the start, s.")
      .def_property_readonly("signal_timing", &Simulation::signalTiming,
                             "Clearance and minimum green the controllers enforce: yellow_s, all_red_s, min_green_s.")
      .def("_summary_json", &Simulation::summaryJsonText)
      .def("counts", &Simulation::counts,
           "Vehicle counters: spawned, entered, arrived, running, waiting_to_enter, teleported, ...")
      .def("trips", &Simulation::trips,
           "One entry per trip whose departure has come, as trips.csv: a dict of numpy arrays (NaN for events to come).")
      .def("timeseries", &Simulation::timeseries, "The time series of timeseries.csv, as a dict of numpy arrays.")
      .def("write_outputs", &Simulation::writeOutputs, "directory"_a,
           "Write summary.json, trips.csv and timeseries.csv (and transit files) as trafficsim run does.")
      .def("trip_ids", &Simulation::tripIds, "Ids of every trip of the scenario, by trip index (vehicle id).")
      .def("trip_route", &Simulation::tripRoute, "trip"_a, "Road indices of a trip's route.")
      .def("_network_arrays", &Simulation::networkArrays)
      .def("lane_observations", &Simulation::laneObservations, "out"_a = py::none(),
           "Per lane: vehicles, halting, mean_speed, occupancy, waiting_time (numpy arrays, filled in place in `out`).")
      .def("signal_observations", &Simulation::signalObservations, "out"_a = py::none(),
           "Per junction: phase, next_phase, stage (0 green, 1 yellow, 2 all-red), time_in_stage; -1 without signals.")
      .def("vehicle_observations", &Simulation::vehicleObservations,
           "Per vehicle in the network: id, lane (-1 in a junction), connector, position, speed, waiting_time, in_bay.")
      .def("waiting_to_enter", &Simulation::waitingToEnter,
           "Trip indices of the departed vehicles waiting to enter the network.")
      .def("set_phase", &Simulation::setPhase, "junction"_a, "phase"_a,
           "Serve `phase` at `junction` (index or name) from now on, through the controller's clearance and minimum green.")
      .def("set_phases", &Simulation::setPhases, "junctions"_a, "phases"_a,
           "set_phase for equal-length integer arrays; all or none.")
      .def("release", &Simulation::release, "junction"_a, "Give a junction back to the scenario's policy.")
      .def("release_all", &Simulation::releaseAll, "Give every junction back to the scenario's policy.")
      .def("set_policy", &Simulation::setPolicy, "policy"_a, "junctions"_a = py::none(),
           "Decide junctions with a Python callable(context) -> phase, called where the engine consults its policy.")
      .def("requested_phase", &Simulation::requestedPhase, "junction"_a,
           "The phase requested at a junction, or None when the scenario's policy decides there.");

  py::class_<EnvCore>(m, "EnvCore",
                      "The environments' step for all agents in one call; use trafficsim.ParallelTrafficSignalEnv.")
      .def(py::init<py::object, const std::vector<std::string>&, std::vector<std::int32_t>, std::vector<std::int32_t>,
                    std::vector<std::int32_t>, std::vector<std::int32_t>, std::vector<std::int32_t>,
                    std::vector<std::int32_t>, std::vector<double>, std::vector<double>, double, int, long long,
                    double>(),
           "simulation"_a, "names"_a, "junctions"_a, "phase_counts"_a, "in_lanes"_a, "in_counts"_a, "out_lanes"_a,
           "out_counts"_a, "capacity"_a, "speed_limits"_a, "min_green_s"_a, "reward"_a, "steps_per_action"_a,
           "num_seconds"_a)
      .def("reset", &EnvCore::reset, "Observe the episode's start: (observations, infos).")
      .def("step", &EnvCore::step, "actions"_a,
           "Request the actions' phases, step, observe: (observations, rewards, terminations, truncations, infos, "
           "ended); rewards is None for a callable reward.")
      .def_property_readonly("flat", &EnvCore::flat, "Every agent's last observation, concatenated.")
      .def("observation", &EnvCore::observation, "agent"_a, "One agent's last observation (a view of `flat`).");
}

// Signal control: per-junction controllers that enforce safety, and the policy interface that
// chooses which phase to serve.
//
// The split is deliberate. A policy only answers "which green phase next, or hold the current
// one"; the controller owns the clock and inserts yellow and all-red between phases, holds every
// green for at least its minimum, and never shows two conflicting movements green. So no policy,
// however wrong, can produce an unsafe sequence.
//
// Policies are pure functions of a read-only observation (`decide` is const) and are called from
// worker threads, one junction per call.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "traffic/ids.h"
#include "traffic/road_network.h"
#include "traffic/vehicle_type.h"

namespace traffic {

/// The light a movement shows. Permissive green ('g') lets vehicles go but they yield to
/// conflicting protected traffic (a right turn across a straight, a left turn across oncoming).
enum class SignalState : std::uint8_t { Red, Yellow, GreenPermissive, GreenProtected };
char toChar(SignalState s);  ///< 'r', 'y', 'g', 'G' as in SUMO state strings

struct SignalTiming {
  double yellowS = 3.0;
  double allRedS = 2.0;
  double minGreenS = 5.0;
  /// Each stage is cleared as its map's program clears it (SignalPhase::yellowAfterS and
  /// allRedAfterS, where given) instead of by yellowS and allRedS: SUMO programs, until the
  /// scenario sets [signals] yellow_s or all_red_s.
  bool mapClearance = false;
};

/// What sensors at one lane report this step. Incoming lanes are measured towards their stop
/// line, outgoing lanes over their whole length.
struct LaneObservation {
  LaneId lane;
  std::uint16_t vehicles = 0;     ///< on the lane
  std::uint16_t queue = 0;        ///< halting (below 0.1 m/s)
  std::uint16_t approaching = 0;  ///< within SignalSensing::approachDistanceM of the stop line
  float occupancy = 0;            ///< share of the lane's length taken by vehicles and their gaps, 0..1+
  float waitingS = 0;             ///< sum of the current halting times of the queue
  /// Loop detector SignalSensing::detectorDistanceM before the stop line (incoming lanes only):
  bool detectorOccupied = false;      ///< a vehicle is over it now
  float detectorGapS = 1e9f;          ///< time since a vehicle front last crossed it
  std::uint16_t detectorCount = 0;    ///< vehicles crossed since the current phase turned green
  /// Flow over the detector, veh/h, smoothed exponentially with SignalSensing::flowWindowS.
  float flowVehPerH = 0;
};

/// A loop detector placed on one lane, `distanceM` before its stop line.
struct DetectorPlacement {
  LaneId lane;
  double distanceM = 0;
};

/// Where the virtual sensors sit; scenario keys under [signals].
struct SignalSensing {
  double approachDistanceM = 150;
  double detectorDistanceM = 30;  ///< every lane's detector, unless placed in `detectors`
  double flowWindowS = 900;       ///< time constant of the smoothed detector flow
  std::vector<DetectorPlacement> detectors;  ///< per-lane placements (checked to lie on the lane)
};

/// A vehicle asking the junction ahead for green: an emergency vehicle within
/// PriorityRules::emergencyDistanceM of the stop line along its route, or a transit vehicle within
/// transitDistanceM. The world collects them each step; the controller acts on them whatever the
/// policy, and policies may read them too.
struct PriorityRequest {
  MovementId movement;        ///< the turn the vehicle will take at this junction
  SignalPriority kind = SignalPriority::Emergency;
  float distanceM = 0;        ///< from the vehicle's front to the stop line, along its route
  std::uint32_t vehicle = 0;  ///< VehicleId value; ties between requests go to the lower id
};

/// How the controller treats priority requests; scenario keys under [signals].
struct PriorityRules {
  bool emergencyPreemption = true;  ///< serve the phase an emergency vehicle needs, then recover
  double emergencyDistanceM = 500;  ///< how far ahead along its route an emergency vehicle asks
  bool transitPriority = true;      ///< green extension and early green for transit that asks
  double transitDistanceM = 120;
  double transitMaxExtensionS = 15;  ///< longest a green is held past the policy's choice for a bus
};

/// Which lanes each phase of a junction's program serves: derived from the network and the
/// program alone, so the controller derives it once (derivePhaseLanes in signal_controller.cpp)
/// and every observation it hands out points to it. Policies read it through the helpers of
/// signals/policies/phase_lanes.h, which derive the same from the network when an observation
/// has none (one built by hand): a policy deciding every step at every junction would otherwise
/// scan the junction's movements and connectors for each lane and phase on every call.
struct PhaseLanes {
  const RoadNetwork* network = nullptr;  ///< the network it was derived from
  /// The junction's incoming lanes: Junction::incoming roads, then their lanes (the order of
  /// SignalObservation::incoming).
  std::vector<LaneId> incoming;
  struct Pair {
    MovementId movement;  ///< the first of the phase's green movements with a connector from `from` to `to`
    LaneId from, to;
    std::uint32_t fromIndex = 0;  ///< `from` in `incoming` (incoming.size() if it is not there)
    bool everyPhase = false;      ///< `movement` is green in every phase of the program
  };
  /// Per phase p, pairs[pairStart[p] .. pairStart[p + 1]): the distinct (from, to) lane pairs of
  /// its green connectors, in the order of its movements and their connectors.
  std::vector<std::uint32_t> pairStart;
  std::vector<Pair> pairs;
  /// Per phase p, served[servedStart[p] .. servedStart[p + 1]): the distinct lanes its green
  /// connectors leave, in the same order.
  std::vector<std::uint32_t> servedStart;
  std::vector<LaneId> served;
  /// serves[p * incoming.size() + i]: phase p has a green connector leaving incoming lane i.
  std::vector<std::uint8_t> serves;

  [[nodiscard]] std::size_t phaseCount() const { return pairStart.empty() ? 0 : pairStart.size() - 1; }
};

/// What a policy may look at for one junction. Spans point into the world's per-step buffers and
/// are valid only during the call.
struct SignalObservation {
  JunctionId junction;
  const RoadNetwork* network = nullptr;  ///< to map movements to lanes; always set by the world
  double nowS = 0;
  int currentPhase = 0;
  double timeInPhaseS = 0;  ///< time since the current phase turned green
  std::span<const SignalPhase> phases;
  double offsetS = 0;
  SignalTiming timing;  ///< clearance and minimum green the controller enforces
  /// One entry per incoming lane, in the order of Junction::incoming roads then their lanes.
  std::span<const LaneObservation> incoming;
  /// One entry per outgoing lane, in the order of Junction::outgoing roads then their lanes.
  std::span<const LaneObservation> outgoing;
  /// Observation of any lane by LaneId, for policies that look beyond their own junction
  /// (neighbours, spill-back further downstream).
  std::span<const LaneObservation> allLanes;
  /// Vehicles asking this junction for green (emergency first, then by distance). The controller
  /// already honours them; a policy need not, but may (e.g. to plan around a pre-emption).
  std::span<const PriorityRequest> requests;
  /// The lanes each of `phases` serves (see PhaseLanes); set by the controller, null when the
  /// observation was built without one.
  const PhaseLanes* phaseLanes = nullptr;
};

/// What a policy reads from the lane observations, as a set of bits: which fields of
/// LaneObservation its decisions depend on. A sensing model (traffic/sensing.h) delivers a set of
/// them; a scenario whose model cannot deliver what its policy reads fails to load.
using SensorSet = std::uint32_t;
inline constexpr SensorSet kSenseNothing = 0;
inline constexpr SensorSet kSenseQueue = 1u << 0;      ///< LaneObservation::queue (halting vehicles)
inline constexpr SensorSet kSenseApproach = 1u << 1;   ///< approaching (and vehicles)
inline constexpr SensorSet kSenseOccupancy = 1u << 2;  ///< occupancy
inline constexpr SensorSet kSenseWaiting = 1u << 3;    ///< waitingS
inline constexpr SensorSet kSenseDetector = 1u << 4;   ///< detectorOccupied, detectorGapS, detectorCount
inline constexpr SensorSet kSenseFlow = 1u << 5;       ///< flowVehPerH
inline constexpr SensorSet kSenseEverything = (1u << 6) - 1;
/// "queue, approach" for the bits of `sensors`; "nothing" for none.
std::string sensorSetNames(SensorSet sensors);

class SignalPolicy {
 public:
  virtual ~SignalPolicy() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// Whether decide() reads the lane observations. The world skips measuring them for policies
  /// that do not (fixed time), which keeps such runs as fast as without sensors.
  [[nodiscard]] virtual bool usesObservations() const { return true; }
  /// Which observation fields decide() reads. A scenario's sensing model must deliver all of them
  /// (traffic/sensing.h). The default, for policies written before sensing models existed: every
  /// field when usesObservations(), none otherwise.
  [[nodiscard]] virtual SensorSet sensors() const { return usesObservations() ? kSenseEverything : kSenseNothing; }
  /// The phase to serve next. Returning `currentPhase` holds it; anything else asks the controller
  /// to clear the current phase and then switch.
  [[nodiscard]] virtual int decide(const SignalObservation& obs) const = 0;

  /// The policy's own dynamic state, for checkpoints (traffic/checkpoint.h): bytes from which
  /// restoreState() rebuilds it exactly. The default is for a policy that keeps none (every
  /// built-in one decides from the observation and its parameters alone); a policy whose
  /// decisions depend on anything it remembers between calls must override both.
  [[nodiscard]] virtual std::vector<std::uint8_t> saveState() const { return {}; }
  /// Sets the state saveState() wrote. Throws std::invalid_argument for bytes it cannot read
  /// (the default accepts only none); the world then refuses the checkpoint.
  virtual void restoreState(std::span<const std::uint8_t> bytes) {
    if (!bytes.empty())
      throw std::invalid_argument("policy '" + std::string(name()) + "' keeps no state but the checkpoint holds " +
                                  std::to_string(bytes.size()) + " bytes of it");
  }
};

struct PolicySpec {
  std::string name = "fixed_time";
  std::map<std::string, double> params;
};

/// The policy named in `spec` (a deprecated alias is accepted, see canonicalSignalPolicyName);
/// throws LoadError (naming `sourceFile` and the key) for an unknown name or bad parameters.
std::unique_ptr<SignalPolicy> makeSignalPolicy(const PolicySpec& spec, const std::string& sourceFile);
/// Names accepted by makeSignalPolicy, for --help and error messages: the built-in policies, then
/// those added with registerSignalPolicy in the order they were first registered.
std::vector<std::string> signalPolicyNames();
/// The parameters (keys under [signals.params]) a built-in policy accepts, by its name or a
/// deprecated alias; nullopt for a policy registered at run time, whose factory alone knows them.
std::optional<std::vector<std::string>> signalPolicyParameters(const std::string& name);
/// The current name of a built-in policy that was renamed, when `name` is its deprecated old name
/// (`city_brain` -> `lookahead_pressure`); empty otherwise. Old names stay accepted everywhere a
/// policy is named, so that existing scenario files keep working, but are not listed by
/// signalPolicyNames().
std::string renamedSignalPolicy(const std::string& name);
/// `name` with a deprecated alias replaced by the policy's current name. The first time in the
/// process that an alias is resolved, logs a warning naming the new name (once, not per run, so
/// that a comparison of many runs warns once). Thread-safe.
std::string canonicalSignalPolicyName(const std::string& name);

/// Builds a policy from its parameters (`spec.params`); throws LoadError naming `sourceFile` and
/// the key (e.g. "signals.params.gain") for a parameter it does not accept.
using SignalPolicyFactory =
    std::function<std::unique_ptr<SignalPolicy>(const PolicySpec& spec, const std::string& sourceFile)>;
/// Makes a policy written outside the project choosable by name, like the built-in ones: in
/// scenario files (`[signals] policy`), with --policy, and through makeSignalPolicy. Registering a
/// name again replaces its factory; a built-in name, an empty name or an empty factory throws
/// std::invalid_argument. Thread-safe; scenarios loaded afterwards see the name.
void registerSignalPolicy(const std::string& name, SignalPolicyFactory factory);

/// Per-junction controller state machine:  green(phase) -> yellow -> all-red -> green(next).
class SignalController {
 public:
  enum class Stage : std::uint8_t { Green, Yellow, AllRed };

  SignalController(const RoadNetwork& net, JunctionId junction, SignalTiming timing, PriorityRules priority = {});

  /// Advance by `dtS`, consulting `policy` while in green. Writes the state of each of the
  /// junction's movements into `movementStates` (indexed by MovementId).
  /// `sensed` carries the sensor spans (network, incoming, outgoing, allLanes) and the priority
  /// requests; the controller fills in the rest of the observation.
  ///
  /// Priority, in this order, overrides the policy's choice (never the clearance or min green):
  ///  - an emergency request: hold the current phase if it serves the nearest emergency vehicle's
  ///    movement, else switch to the first phase that does; when no request is left the policy
  ///    takes over again (recovery);
  ///  - a transit request: hold a green that serves it up to transitMaxExtensionS past the moment
  ///    the policy wanted to change (extension); when the current phase does not serve it, switch
  ///    to one that does as soon as min green allows (early green), at most once per request.
  void update(double nowS, double dtS, const SignalPolicy& policy, std::span<SignalState> movementStates,
              const SignalObservation& sensed = {});
  /// Whether the current phase turned green during the last update.
  [[nodiscard]] bool greenJustStarted() const { return m_stage == Stage::Green && m_timeInStage == 0; }
  /// Write the states for the current stage without advancing the clock.
  void writeStates(std::span<SignalState> movementStates) const;

  [[nodiscard]] JunctionId junction() const { return m_junction; }
  [[nodiscard]] int currentPhase() const { return m_phase; }
  [[nodiscard]] int nextPhase() const { return m_next; }
  [[nodiscard]] Stage stage() const { return m_stage; }
  [[nodiscard]] double timeInStageS() const { return m_timeInStage; }
  [[nodiscard]] std::size_t phaseCount() const { return m_phaseStates.size(); }
  /// Whether an emergency request decides the current phase (it is held or being switched to).
  [[nodiscard]] bool preempted() const { return m_preempted; }
  /// Times a phase change was forced by an emergency request, and greens extended or started
  /// early for transit, since the start.
  [[nodiscard]] std::uint32_t preemptions() const { return m_preemptions; }
  [[nodiscard]] std::uint32_t transitExtensions() const { return m_transitExtensions; }
  [[nodiscard]] std::uint32_t transitEarlyGreens() const { return m_transitEarlyGreens; }
  /// The signal's forecast of the time until `movement` shows green (0 when green now), as a
  /// junction broadcasting its phase and timing would give it: the current stage's remaining time,
  /// then the program's phases in order with their durations. Exact for fixed-time plans, an
  /// estimate for adaptive policies (which may switch earlier or later).
  [[nodiscard]] double timeUntilGreen(MovementId movement) const;

  /// Everything of the controller that changes after construction, for checkpoints: the members
  /// from m_stage on below. A new such member belongs here too (the checkpoint test catches one
  /// that is missed only if it changes a result).
  struct Dynamic {
    Stage stage = Stage::Green;
    int phase = 0, next = 0;
    double timeInStage = 0;
    bool started = false, preempted = false;
    double extendedS = 0;
    std::uint32_t earlyGreenFor = UINT32_MAX;
    std::uint32_t preemptions = 0, transitExtensions = 0, transitEarlyGreens = 0;
  };
  [[nodiscard]] Dynamic dynamicState() const {
    return {m_stage, m_phase, m_next, m_timeInStage, m_started, m_preempted, m_extendedS, m_earlyGreenFor,
            m_preemptions, m_transitExtensions, m_transitEarlyGreens};
  }
  /// Sets the state dynamicState() returned; throws std::invalid_argument (changing nothing) for a
  /// stage or phase this controller does not have.
  void restoreDynamicState(const Dynamic& d) {
    const std::size_t phases = std::max<std::size_t>(phaseCount(), 1);  // an unsignalised junction stays at 0
    if (d.stage > Stage::AllRed || d.phase < 0 || d.next < 0 || static_cast<std::size_t>(d.phase) >= phases ||
        static_cast<std::size_t>(d.next) >= phases)
      throw std::invalid_argument("signal state out of range (stage " + std::to_string(static_cast<int>(d.stage)) +
                                  ", phase " + std::to_string(d.phase) + ", next " + std::to_string(d.next) + " of " +
                                  std::to_string(phaseCount()) + ")");
    m_stage = d.stage;
    m_phase = d.phase;
    m_next = d.next;
    m_timeInStage = d.timeInStage;
    m_started = d.started;
    m_preempted = d.preempted;
    m_extendedS = d.extendedS;
    m_earlyGreenFor = d.earlyGreenFor;
    m_preemptions = d.preemptions;
    m_transitExtensions = d.transitExtensions;
    m_transitEarlyGreens = d.transitEarlyGreens;
  }

 private:
  /// The phase that serves `movement` (preferring the current one and protected greens), or -1.
  [[nodiscard]] int phaseServing(MovementId movement) const;
  /// The policy's choice overridden by the priority requests in `obs`.
  int withPriority(const SignalObservation& obs, int policyChoice, double dtS);
  void switchTo(int phase);
  /// The yellow and all-red that follow phase `phase`: the map's own where SignalTiming says so.
  [[nodiscard]] double yellowAfter(int phase) const;
  [[nodiscard]] double allRedAfter(int phase) const;

  JunctionId m_junction;
  SignalTiming m_timing;
  SignalTiming m_policyTiming;  // what the policies see: with the map's clearance, its mean over the stages
  const SignalProgram* m_program = nullptr;
  PhaseLanes m_phaseLanes;  // of m_program, for the policy's observations
  std::vector<MovementId> m_movements;  // the junction's movements
  // m_phaseStates[p][k]: state of m_movements[k] while phase p is green.
  std::vector<std::vector<SignalState>> m_phaseStates;
  Stage m_stage = Stage::Green;
  int m_phase = 0;
  int m_next = 0;
  double m_timeInStage = 0;
  bool m_started = false;
  PriorityRules m_priority;
  bool m_preempted = false;
  double m_extendedS = 0;                        // transit extension used in the current green
  std::uint32_t m_earlyGreenFor = UINT32_MAX;    // vehicle last given an early green
  std::uint32_t m_preemptions = 0, m_transitExtensions = 0, m_transitEarlyGreens = 0;
};

/// States of a junction's movements while `phase` is green: protected unless a conflicting green
/// movement of better priority rank forces it to yield. Exposed for tests.
std::vector<SignalState> phaseMovementStates(const RoadNetwork& net, JunctionId junction, const SignalPhase& phase);
/// States for a junction without a signal program: by priority rank only.
std::vector<SignalState> unsignalisedMovementStates(const RoadNetwork& net, JunctionId junction);

}  // namespace traffic

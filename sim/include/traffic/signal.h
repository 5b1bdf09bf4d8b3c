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

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "traffic/ids.h"
#include "traffic/road_network.h"

namespace traffic {

/// The light a movement shows. Permissive green ('g') lets vehicles go but they yield to
/// conflicting protected traffic (a right turn across a straight, a left turn across oncoming).
enum class SignalState : std::uint8_t { Red, Yellow, GreenPermissive, GreenProtected };
char toChar(SignalState s);  ///< 'r', 'y', 'g', 'G' as in SUMO state strings

struct SignalTiming {
  double yellowS = 3.0;
  double allRedS = 2.0;
  double minGreenS = 5.0;
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

/// Where the virtual sensors sit; scenario keys under [signals].
struct SignalSensing {
  double approachDistanceM = 150;
  double detectorDistanceM = 30;
  double flowWindowS = 900;  ///< time constant of the smoothed detector flow
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
};

class SignalPolicy {
 public:
  virtual ~SignalPolicy() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// Whether decide() reads the lane observations. The world skips measuring them for policies
  /// that do not (fixed time), which keeps such runs as fast as without sensors.
  [[nodiscard]] virtual bool usesObservations() const { return true; }
  /// The phase to serve next. Returning `currentPhase` holds it; anything else asks the controller
  /// to clear the current phase and then switch.
  [[nodiscard]] virtual int decide(const SignalObservation& obs) const = 0;
};

struct PolicySpec {
  std::string name = "fixed_time";
  std::map<std::string, double> params;
};

/// The policy named in `spec`; throws LoadError (naming `sourceFile` and the key) for an unknown
/// name or bad parameters.
std::unique_ptr<SignalPolicy> makeSignalPolicy(const PolicySpec& spec, const std::string& sourceFile);
/// Names accepted by makeSignalPolicy, for --help and error messages.
std::vector<std::string> signalPolicyNames();

/// Per-junction controller state machine:  green(phase) -> yellow -> all-red -> green(next).
class SignalController {
 public:
  enum class Stage : std::uint8_t { Green, Yellow, AllRed };

  SignalController(const RoadNetwork& net, JunctionId junction, SignalTiming timing);

  /// Advance by `dtS`, consulting `policy` while in green. Writes the state of each of the
  /// junction's movements into `movementStates` (indexed by MovementId).
  /// `sensed` carries the sensor spans (network, incoming, outgoing, allLanes); the controller
  /// fills in the rest of the observation.
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

 private:
  JunctionId m_junction;
  SignalTiming m_timing;
  const SignalProgram* m_program = nullptr;
  std::vector<MovementId> m_movements;  // the junction's movements
  // m_phaseStates[p][k]: state of m_movements[k] while phase p is green.
  std::vector<std::vector<SignalState>> m_phaseStates;
  Stage m_stage = Stage::Green;
  int m_phase = 0;
  int m_next = 0;
  double m_timeInStage = 0;
  bool m_started = false;
};

/// States of a junction's movements while `phase` is green: protected unless a conflicting green
/// movement of better priority rank forces it to yield. Exposed for tests.
std::vector<SignalState> phaseMovementStates(const RoadNetwork& net, JunctionId junction, const SignalPhase& phase);
/// States for a junction without a signal program: by priority rank only.
std::vector<SignalState> unsignalisedMovementStates(const RoadNetwork& net, JunctionId junction);

}  // namespace traffic

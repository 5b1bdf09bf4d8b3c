// Sensing models: what the signal policies are allowed to know about the traffic.
//
// A policy decides from a SignalObservation. Before issue 12 that observation was read straight
// from the simulation: exact halted counts over lanes hundreds of metres long, per-vehicle waiting
// clocks, occupancy computed from drivers' hidden minimum gaps. Real controllers see through
// detectors, and a comparison in which one class of policy reads perfect data and another a point
// detector favours the first. A sensing model sits between the world and the policies and fills
// the observation from what a given kind of detector could measure:
//
//   oracle  the exact state (the observation as it always was; results are unchanged under it)
//   loops   a stop-bar presence loop and the advance loop at [signals] detector_distance_m on every
//           lane; queue, approach, waiting and occupancy are estimated from them
//   camera  a camera over the last range_m metres of every lane: sees each vehicle there, but
//           misses some (miss_probability, every step anew) and places the rest with an error
//           (position_noise_m, Gaussian); its virtual loop counts only when within range
//   probe   connected vehicles (a share `penetration` of all, chosen by seed) report position and
//           speed; counts are scaled up by 1/penetration; no loop, so no gap, count or flow
//
// docs/sensing.md gives each model's estimates, error model and sources for the default values.
//
// Guarantees: every model is a pure function of the simulation state, the scenario's seed and the
// step number, so results are deterministic per seed and independent of the thread count. A
// policy declares what it reads (SignalPolicy::sensors()); checkSensingFeedsPolicy() refuses a
// model that cannot deliver it, at load, naming the fix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traffic/signal.h"

namespace traffic {

enum class SensingModel : std::uint8_t { Oracle, Loops, Camera, Probe };

/// A sensing model and its parameters; scenario keys under [sensing] (docs/sensing.md).
struct SensingSpec {
  SensingModel model = SensingModel::Oracle;
  bool declared = false;  ///< the scenario has a [sensing] table (so `compare` keeps its model)
  // loops
  double stopbarM = 10;          ///< length of the stop-bar presence loop, from the stop line back
  double standingS = 2;          ///< continuous presence on the stop-bar loop that counts as a queue
  double occupancyWindowS = 30;  ///< time constant of the advance loop's smoothed time occupancy
  // camera
  double rangeM = 150;              ///< how far before the stop line the camera sees
  double missProbability = 0.05;    ///< chance that a vehicle in range is not detected in a step
  double positionNoiseM = 1.5;      ///< standard deviation of the detected position
  // probe
  double penetration = 0.1;  ///< share of vehicles that report (0, 1]
};

/// "oracle", "loops", "camera", "probe".
const char* toString(SensingModel model);
/// The model called `name`, if any.
bool parseSensingModel(const std::string& name, SensingModel& model);
/// "oracle, loops, camera, probe", for --help and error messages.
std::string sensingModelNames();
/// The scenario keys under [sensing] that `model` reads (besides `model`), in documentation order.
std::vector<std::string> sensingParameterNames(SensingModel model);
/// The model with its parameters, as reports print it: "camera (range_m=150, miss_probability=0.05,
/// position_noise_m=1.5)"; "oracle" alone.
std::string describeSensing(const SensingSpec& spec);
/// The observation fields `spec` can deliver, given where the scenario's detectors sit. The camera
/// delivers loop readings (detector, flow) only when the detector lies within its range.
SensorSet sensorsDelivered(const SensingSpec& spec, const SignalSensing& detectors);
/// Throws LoadError (naming `sourceFile` and "sensing.model") when `spec` cannot deliver what
/// `policy` reads, saying which fields are missing and which models would do.
void checkSensingFeedsPolicy(const SensingSpec& spec, const SignalSensing& detectors, const SignalPolicy& policy,
                             const std::string& sourceFile);

}  // namespace traffic

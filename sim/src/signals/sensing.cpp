// Sensing models by name, what each delivers, and the check that a scenario's model can feed its
// policy (traffic/sensing.h). The measuring itself is in sensing_models.cpp.
#include "traffic/sensing.h"

#include <sstream>

#include "traffic/errors.h"

namespace traffic {
namespace {

struct ModelName {
  SensingModel model;
  const char* name;
};
constexpr ModelName kModels[] = {{SensingModel::Oracle, "oracle"},
                                 {SensingModel::Loops, "loops"},
                                 {SensingModel::Camera, "camera"},
                                 {SensingModel::Probe, "probe"}};

constexpr std::pair<SensorSet, const char*> kSensorNames[] = {
    {kSenseQueue, "queue"},         {kSenseApproach, "approach"}, {kSenseOccupancy, "occupancy"},
    {kSenseWaiting, "waiting time"}, {kSenseDetector, "detector"}, {kSenseFlow, "flow"}};

// A parameter as written in a scenario: 150, 0.05.
std::string num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

std::string sensorSetNames(SensorSet sensors) {
  std::string out;
  for (const auto& [bit, name] : kSensorNames)
    if (sensors & bit) out += (out.empty() ? "" : ", ") + std::string(name);
  return out.empty() ? "nothing" : out;
}

const char* toString(SensingModel model) {
  for (const ModelName& m : kModels)
    if (m.model == model) return m.name;
  return "?";
}

bool parseSensingModel(const std::string& name, SensingModel& model) {
  for (const ModelName& m : kModels)
    if (name == m.name) {
      model = m.model;
      return true;
    }
  return false;
}

std::string sensingModelNames() {
  std::string out;
  for (const ModelName& m : kModels) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

std::vector<std::string> sensingParameterNames(SensingModel model) {
  switch (model) {
    case SensingModel::Oracle: return {};
    case SensingModel::Loops: return {"stopbar_m", "standing_s", "occupancy_window_s"};
    case SensingModel::Camera: return {"range_m", "miss_probability", "position_noise_m"};
    case SensingModel::Probe: return {"penetration"};
  }
  return {};
}

std::string describeSensing(const SensingSpec& s) {
  switch (s.model) {
    case SensingModel::Oracle: return "oracle";
    case SensingModel::Loops:
      return "loops (stopbar_m=" + num(s.stopbarM) + ", standing_s=" + num(s.standingS) +
             ", occupancy_window_s=" + num(s.occupancyWindowS) + ")";
    case SensingModel::Camera:
      return "camera (range_m=" + num(s.rangeM) + ", miss_probability=" + num(s.missProbability) +
             ", position_noise_m=" + num(s.positionNoiseM) + ")";
    case SensingModel::Probe: return "probe (penetration=" + num(s.penetration) + ")";
  }
  return "?";
}

SensorSet sensorsDelivered(const SensingSpec& spec, const SignalSensing& detectors) {
  switch (spec.model) {
    case SensingModel::Oracle:
    case SensingModel::Loops: return kSenseEverything;
    case SensingModel::Camera: {
      // The camera's virtual loop sits where the scenario's detectors are; out of range it sees nothing.
      bool inRange = detectors.detectorDistanceM <= spec.rangeM;
      for (const DetectorPlacement& d : detectors.detectors) inRange = inRange && d.distanceM <= spec.rangeM;
      return inRange ? kSenseEverything : kSenseEverything & ~(kSenseDetector | kSenseFlow);
    }
    case SensingModel::Probe: return kSenseQueue | kSenseApproach | kSenseOccupancy | kSenseWaiting;
  }
  return kSenseNothing;
}

void checkSensingFeedsPolicy(const SensingSpec& spec, const SignalSensing& detectors, const SignalPolicy& policy,
                             const std::string& sourceFile) {
  const SensorSet missing = policy.sensors() & ~sensorsDelivered(spec, detectors);
  if (missing == kSenseNothing) return;
  std::string able;
  for (const ModelName& m : kModels) {
    SensingSpec other = spec;
    other.model = m.model;
    if ((policy.sensors() & ~sensorsDelivered(other, detectors)) == kSenseNothing)
      able += (able.empty() ? "" : ", ") + std::string(m.name);
  }
  std::string fix = "choose a sensing model that does (" + able + ")";
  if (spec.model == SensingModel::Camera && (missing & (kSenseDetector | kSenseFlow)))
    fix += ", or raise sensing.range_m to at least the detector distance (signals.detector_distance_m)";
  throw LoadError(sourceFile, "sensing.model",
                  "policy '" + std::string(policy.name()) + "' reads " + sensorSetNames(missing) +
                      ", which sensing model '" + toString(spec.model) + "' cannot deliver; " + fix);
}

}  // namespace traffic

// The sensing models other than the oracle (traffic/sensing.h, docs/sensing.md): each replaces a
// lane's exact reading with what its detectors could measure. Called per lane from the signals
// phase, after the exact reading (whose point detector crossings the move phase counts).
//
// Random elements (a camera's misses and position errors, which vehicles are probes) come from a
// hash of the scenario's seed, the vehicle and, for the camera, the step number, rather than from
// a generator with state: each lane's reading is then the same whichever thread computes it and
// in whatever order, so results depend on the seed alone, not on the thread count.
#include <algorithm>
#include <cmath>

#include "engine/state.h"

namespace traffic::engine {
namespace {

// Cameras and probes see a vehicle's length, not its driver's minimum gap (which the exact
// occupancy adds); they assume SUMO's default standstill gap instead.
constexpr double kAssumedJamGapM = 2.5;

// Salts that keep the streams of draws apart.
constexpr std::uint64_t kSaltMiss = 0x6d697373;
constexpr std::uint64_t kSaltNoise = 0x6e6f6973;
constexpr std::uint64_t kSaltProbe = 0x70726f62;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform draw in [0, 1) determined by its arguments alone.
double uniform(std::uint64_t seed, std::uint64_t salt, std::uint64_t vehicle, std::uint64_t step) {
  const std::uint64_t h = mix(mix(mix(seed ^ salt) ^ vehicle) ^ step);
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

// A standard normal draw determined by its arguments (Box-Muller on two hashed uniforms).
double normal(std::uint64_t seed, std::uint64_t vehicle, std::uint64_t step) {
  const double u1 = std::max(uniform(seed, kSaltNoise, vehicle, step), 1e-300);
  const double u2 = uniform(seed, kSaltNoise + 1, vehicle, step);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::uint16_t count16(double n) { return static_cast<std::uint16_t>(std::clamp(std::lround(n), 0L, 65535L)); }

// The loop detector readings a model without loops reports: nothing over it, never crossed.
void noLoop(LaneObservation& o) {
  o.detectorOccupied = false;
  o.detectorGapS = 1e9f;
  o.detectorCount = 0;
  o.flowVehPerH = 0;
}

// Loops: a stop-bar presence loop over the last stopbar_m metres and the point (advance) loop at
// the scenario's detector position, whose readings (presence, gap, count, flow) the exact reading
// already holds. With perfect counts, input-output counting at the two loops gives the vehicles
// between them, i.e. those whose front passed the advance loop; lane changes inside that stretch,
// which would break the balance on a real road, are not modelled. The queue is estimated as those
// vehicles once the stop-bar loop has been occupied without a break for standing_s (a moving
// vehicle clears a 10 m loop in about a second), each waiting as long as that presence has lasted;
// occupancy is the advance loop's smoothed time occupancy (a queue reaching back over it), not a
// share of the lane.
void senseLoops(const NetworkView& view, const SimClock& clock, const Vehicles& vehicles, Sensing& sensing,
                std::size_t lane, LaneObservation& o) {
  const SensingSpec& spec = view.scenario->sensing;
  const double length = view.tracks[lane].lengthM;
  const double stopbarFromM = std::max(0.0, length - spec.stopbarM);
  const double advanceM = sensing.sensors[lane].detectorPosM;
  std::uint32_t between = 0;
  bool stopbarOccupied = false;
  for (std::uint32_t id : vehicles.occupants[lane]) {
    const Vehicle& v = vehicles.hot[id];
    if (v.posM >= advanceM) ++between;
    stopbarOccupied = stopbarOccupied || v.posM >= stopbarFromM;
  }
  LoopState& loop = sensing.loops[lane];
  if (!stopbarOccupied)
    loop.stopbarOccupiedSinceS = -1;
  else if (loop.stopbarOccupiedSinceS < 0)
    loop.stopbarOccupiedSinceS = clock.nowS;
  const double presenceS = stopbarOccupied ? clock.nowS - loop.stopbarOccupiedSinceS : 0.0;
  const bool queued = stopbarOccupied && presenceS + 1e-9 >= spec.standingS;
  const double decay = std::min(1.0, clock.dtS / spec.occupancyWindowS);
  loop.advanceOccupancy =
      static_cast<float>((1.0 - decay) * loop.advanceOccupancy + decay * (o.detectorOccupied ? 1.0 : 0.0));

  o.vehicles = count16(between);
  o.approaching = count16(between);
  o.queue = queued ? count16(between) : 0;
  o.waitingS = queued ? static_cast<float>(between * presenceS) : 0.0f;
  o.occupancy = loop.advanceOccupancy;
}

// Camera: every vehicle whose detected position lies within range_m of the stop line, unless
// missed this step; halting and waiting as a tracker measures them (exact speed, the vehicle's own
// halting clock). The virtual loop at the detector position reads like the exact one when in range.
void senseCamera(const NetworkView& view, const SimClock& clock, const Vehicles& vehicles, std::size_t lane,
                 LaneObservation& o, double exactDetectorPosM) {
  const SensingSpec& spec = view.scenario->sensing;
  const SignalSensing& settings = view.scenario->signalSensing;
  const double length = view.tracks[lane].lengthM;
  const double rangeM = std::min(spec.rangeM, length);
  const double viewFromM = length - rangeM;
  const std::uint64_t seed = view.scenario->seed;
  const std::uint64_t step = clock.steps;
  // Vehicles further back than this cannot be seen even with a large position error.
  const double considerFromM = viewFromM - 6 * spec.positionNoiseM;
  std::uint32_t seen = 0, queue = 0, approaching = 0;
  double used = 0, waiting = 0;
  bool occupied = false;
  const bool loopInRange = length - exactDetectorPosM <= rangeM + 1e-9;
  for (std::uint32_t id : vehicles.occupants[lane]) {
    const Vehicle& v = vehicles.hot[id];
    if (v.posM < considerFromM) continue;
    const std::uint32_t trip = vehicles.tripOf[id];  // (draws follow the trip, whatever its record)
    if (spec.missProbability > 0 && uniform(seed, kSaltMiss, trip, step) < spec.missProbability) continue;
    const double posM = spec.positionNoiseM > 0 ? v.posM + spec.positionNoiseM * normal(seed, trip, step) : v.posM;
    if (posM < viewFromM) continue;
    const VehicleType& t = view.type(v);
    ++seen;
    used += t.lengthM + kAssumedJamGapM;
    if (v.speedMps < kHaltingSpeedMps) {
      ++queue;
      waiting += v.haltedS;
    }
    if (length - posM <= settings.approachDistanceM) ++approaching;
    occupied = occupied || (posM >= exactDetectorPosM && posM - t.lengthM <= exactDetectorPosM);
  }
  o.vehicles = count16(seen);
  o.queue = count16(queue);
  o.approaching = count16(approaching);
  o.occupancy = static_cast<float>(used / rangeM);
  o.waitingS = static_cast<float>(waiting);
  if (loopInRange)
    o.detectorOccupied = occupied;  // counts, gap and flow as the exact virtual loop
  else
    noLoop(o);
}

// Probe vehicles: a share `penetration` of the vehicles (chosen once per vehicle by the seed)
// report exact position, speed and halting time; every count is the probes' scaled by
// 1/penetration. No loops, so no gap, count or flow.
void senseProbes(const NetworkView& view, const Vehicles& vehicles, std::size_t lane, LaneObservation& o) {
  const SensingSpec& spec = view.scenario->sensing;
  const SignalSensing& settings = view.scenario->signalSensing;
  const double length = view.tracks[lane].lengthM;
  const std::uint64_t seed = view.scenario->seed;
  std::uint32_t probes = 0, queue = 0, approaching = 0;
  double used = 0, waiting = 0;
  for (std::uint32_t id : vehicles.occupants[lane]) {
    if (uniform(seed, kSaltProbe, vehicles.tripOf[id], 0) >= spec.penetration) continue;
    const Vehicle& v = vehicles.hot[id];
    ++probes;
    used += view.type(v).lengthM + kAssumedJamGapM;
    if (v.speedMps < kHaltingSpeedMps) {
      ++queue;
      waiting += v.haltedS;
    }
    if (length - v.posM <= settings.approachDistanceM) ++approaching;
  }
  const double scale = 1.0 / spec.penetration;
  o.vehicles = count16(probes * scale);
  o.queue = count16(queue * scale);
  o.approaching = count16(approaching * scale);
  o.occupancy = static_cast<float>(used * scale / length);
  o.waitingS = static_cast<float>(waiting * scale);
  noLoop(o);
}

}  // namespace

void senseLaneWithModel(const NetworkView& view, const SimClock& clock, const Vehicles& vehicles, Sensing& sensing,
                        std::size_t lane, LaneObservation& o) {
  switch (view.scenario->sensing.model) {
    case SensingModel::Oracle: return;
    case SensingModel::Loops: senseLoops(view, clock, vehicles, sensing, lane, o); return;
    case SensingModel::Camera: senseCamera(view, clock, vehicles, lane, o, sensing.sensors[lane].detectorPosM); return;
    case SensingModel::Probe: senseProbes(view, vehicles, lane, o); return;
  }
}

}  // namespace traffic::engine

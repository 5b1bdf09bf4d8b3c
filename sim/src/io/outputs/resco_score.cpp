// The RESCO benchmark's average delay from trip records (traffic/resco_score.h).
#include "traffic/resco_score.h"

namespace traffic {

double rescoDelayS(const TripRecord& t, double nowS) {
  if (t.enterS < 0) return nowS - t.departS;  // never inserted: waited all along
  return t.timeLossS + (t.enterS - t.departS);
}

RescoScore rescoScore(std::span<const TripRecord> trips, double nowS) {
  RescoScore score;
  double sum = 0;
  for (const TripRecord& t : trips) {
    if (t.departS > nowS) continue;
    sum += rescoDelayS(t, nowS);
    ++score.vehicles;
  }
  if (score.vehicles > 0) score.delayS = sum / static_cast<double>(score.vehicles);
  return score;
}

}  // namespace traffic

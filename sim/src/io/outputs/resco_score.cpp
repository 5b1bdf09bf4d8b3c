// The RESCO benchmark's average delay from trip records (traffic/resco_score.h).
#include "traffic/resco_score.h"

namespace traffic {

double rescoDelayS(const TripRecord& t, double nowS) {
  if (t.enterS < 0) return nowS - t.departS;  // never inserted: waited all along
  return t.timeLossS + (t.enterS - t.departS);
}

void RescoTally::add(const TripRecord& t, double nowS) {
  if (t.departS > nowS) return;
  sumS += rescoDelayS(t, nowS);
  ++vehicles;
}

RescoScore RescoTally::score() const {
  RescoScore score;
  score.vehicles = vehicles;
  if (vehicles > 0) score.delayS = sumS / static_cast<double>(vehicles);
  return score;
}

RescoScore rescoScore(std::span<const TripRecord> trips, double nowS) {
  RescoTally tally;
  for (const TripRecord& t : trips) tally.add(t, nowS);
  return tally.score();
}

}  // namespace traffic

// The City Brain Challenge's scores from trip records (traffic/citybrain_score.h).
#include "traffic/citybrain_score.h"

#include <algorithm>

namespace traffic {

void CitybrainTally::add(const TripRecord& t, double nowS) {
  if (t.enterS < 0) return;  // never entered: not served
  const double ff = std::max(t.freeFlowS, 1e-9);
  if (t.arriveS >= 0) {
    sum += (t.arriveS - t.departS) / ff;
  } else {
    const double rest = t.routeLengthM > 0 ? std::max(0.0, 1.0 - t.distanceM / t.routeLengthM) : 1.0;
    sum += (nowS - t.departS + rest * t.freeFlowS) / ff;
  }
  ++served;
}

CitybrainScore CitybrainTally::score() const {
  CitybrainScore score;
  score.served = served;
  if (served > 0) score.delayIndex = sum / static_cast<double>(served);
  return score;
}

CitybrainScore citybrainScore(std::span<const TripRecord> trips, double nowS) {
  CitybrainTally tally;
  for (const TripRecord& t : trips) tally.add(t, nowS);
  return tally.score();
}

}  // namespace traffic

// A generator of synthetic grid cities: rows x columns of signalised junctions joined by two-way
// roads, ringed by boundary junctions where traffic enters and leaves (the layout of the CityFlow
// grid benchmarks), at any size.
#pragma once

#include <string>

#include "traffic/road_network.h"

namespace traffic {

struct GridSpec {
  int rows = 4;
  int columns = 4;
  double blockLengthM = 300;        ///< centre-to-centre distance between junctions
  int lanesPerDirection = 2;        ///< through lanes per road and direction (>= 1)
  bool leftTurnLane = true;         ///< an extra leftmost lane for left turns
  double laneWidthM = 3.5;
  double speedLimitMps = 13.89;
  double greenS = 30;               ///< green time of each phase of the generated program
  bool protectedLefts = true;       ///< four phases (through, left per axis) instead of two
};

/// Roads are named "road_<from>_<to>" after junctions "j_<row>_<col>" (boundary junctions lie at
/// row -1 / rows or column -1 / columns). Throws LoadError for an invalid spec.
RoadNetwork generateGrid(const GridSpec& spec);

}  // namespace traffic

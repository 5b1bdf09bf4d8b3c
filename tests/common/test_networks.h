// Small hand-built networks and scenarios shared by the tests.
//
// They are built through RoadNetworkBuilder exactly like a loaded map, so tests of the engine
// exercise the same trimming, connector shapes and conflicts as real data, on networks small
// enough to reason about by hand.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "traffic/road_network.h"
#include "traffic/scenario.h"
#include "traffic/vehicle_type.h"

namespace traffic::testing {

/// One road "road" of `lengthM` from boundary junction "a" (at the origin) to boundary junction
/// "b" (east of it), both of width 0.
RoadNetwork straightRoad(double lengthM, int lanes, double speedLimitMps);

/// Roads "r0" .. "r<n-1>" in a line along +x, each `lengthM` long, joined end to start through
/// unsignalised straight-only junctions "j1" .. "j<n-1>" of width 0 (lane i continues on lane i).
/// The ends are boundary junctions "j0" and "j<n>".
RoadNetwork corridor(int roads, double lengthM, int lanes, double speedLimitMps);
/// The same corridor with one road per entry of `speedLimitsMps`, road i at that limit (a speed
/// limit that changes from one road to the next).
RoadNetwork corridor(const std::vector<double>& speedLimitsMps, double lengthM, int lanes);

/// One four-leg junction "c" (box width 15 m) at the origin. Approach roads "n_in", "e_in",
/// "s_in", "w_in" arrive from boundary junctions "n", "e", "s", "w"; exit roads "n_out", ... leave
/// towards them. Every approach has straight (all lanes, lane i -> lane i), left (lane 0 -> lane 0)
/// and right (last lane -> last lane) movements, no U-turns. When `signalised`, a two-phase
/// program of 30 s each: north-south movements, then east-west movements.
RoadNetwork crossJunction(double approachLengthM, int lanesPerApproach, bool signalised);

/// The car most engine tests use: 5 m, 20 m/s top speed, IDM a = 2, b = 3 m/s^2 (9 at most),
/// s0 = 2 m, T = 1.5 s.
VehicleType standardCar();

/// A scenario named "test" on `network` with one vehicle type and one trip per entry: departure
/// time and route as road names. Trips are named "t0", "t1", ... in the given order and sorted by
/// departure. Throws LoadError for an unknown or disconnected route.
Scenario makeScenario(std::shared_ptr<const RoadNetwork> network,
                      std::vector<std::tuple<double, std::vector<std::string>>> trips, VehicleType type = {});

}  // namespace traffic::testing

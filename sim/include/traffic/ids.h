// Typed integer ids for the entities of a road network and a simulation.
//
// Entities refer to each other by index into the owning container, never by pointer: indices
// survive reallocation, are 4 bytes instead of 8, and keep the storage trivially copyable. A
// distinct type per entity makes passing a lane where a road is expected a compile error.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace traffic {

template <class Tag>
struct Id {
  using Value = std::uint32_t;
  static constexpr Value kInvalid = std::numeric_limits<Value>::max();

  Value value = kInvalid;

  constexpr Id() = default;
  constexpr explicit Id(Value v) : value(v) {}
  constexpr explicit Id(std::size_t v) : value(static_cast<Value>(v)) {}
  constexpr explicit Id(int v) : value(static_cast<Value>(v)) {}

  [[nodiscard]] constexpr bool valid() const { return value != kInvalid; }
  [[nodiscard]] constexpr std::size_t index() const { return value; }
  constexpr auto operator<=>(const Id&) const = default;
};

using JunctionId = Id<struct JunctionTag>;
using RoadId = Id<struct RoadTag>;
using LaneId = Id<struct LaneTag>;
/// A lane-to-lane path through a junction.
using ConnectorId = Id<struct ConnectorTag>;
/// A road-to-road turn at a junction (a CityFlow "roadLink"); the unit a signal controls.
using MovementId = Id<struct MovementTag>;
using VehicleTypeId = Id<struct VehicleTypeTag>;
using RouteId = Id<struct RouteTag>;
using VehicleId = Id<struct VehicleTag>;

}  // namespace traffic

template <class Tag>
struct std::hash<traffic::Id<Tag>> {
  std::size_t operator()(traffic::Id<Tag> id) const noexcept { return std::hash<std::uint32_t>{}(id.value); }
};

// Typed indices used inside the engine, beside the public ones of traffic/ids.h.
//
// A track is a lane or a connector in one index space (lanes first, see NetworkView). Vehicles are
// indexed by their record (VehicleId; Vehicles::tripOf gives the trip). Each id type has a single "none" value (an invalid id), so a
// vehicle's track, chosen connector or the vehicle it yields to can never be read in the wrong
// index space without a compile error. IdVector is a vector indexed by one id type; plain integer
// indexing stays available for the loops of data-parallel passes, which walk every element.
#pragma once

#include <cstddef>
#include <vector>

#include "traffic/ids.h"

namespace traffic::engine {

using TrackId = Id<struct TrackTag>;

template <class IdT, class T>
class IdVector : public std::vector<T> {
 public:
  using Base = std::vector<T>;
  using Base::Base;
  using Base::operator[];
  T& operator[](IdT id) { return Base::operator[](id.index()); }
  const T& operator[](IdT id) const { return Base::operator[](id.index()); }
};

}  // namespace traffic::engine

// A signal policy whose decisions are made by a Python callable, at the point where the engine
// consults every policy: inside the step's signals phase, after the step's new vehicles have
// entered, with the lane sensors of that instant. A controller written in Python therefore sees
// exactly what a built-in policy sees, and can reproduce one to the bit.
//
// Threading: decide() runs on the thread that steps the world or on its worker threads, with the
// GIL released by step(); each call takes the GIL for the Python part, so calls are serialised.
// The callable must not call the Simulation (its lock is held by step()); such calls raise.
// Errors: an exception in the callable (or an answer that is not a phase of the junction) is kept,
// the junction holds its phase for that step, and step() raises it once the current step is done.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "traffic/signal.h"

namespace traffic::python {

/// What the callable receives, one per call.
struct PolicyContext {
  int junction = 0;
  double timeS = 0;
  int phase = 0;
  double timeInPhaseS = 0;
  int phaseCount = 0;
  /// Per lane of the network (all lanes, indexed like lane_observations), shared by the calls of
  /// one step: vehicles, halting, approaching, occupancy, waiting time, detector flow.
  pybind11::dict lanes;
};

class PythonPolicy final : public SignalPolicy {
 public:
  /// `callable` is borrowed: the Simulation keeps it alive longer than the world that holds this
  /// policy. `controlled[j]` says whether junction j is decided by Python; the others by `fallback`.
  PythonPolicy(PyObject* callable, std::vector<bool> controlled, std::unique_ptr<SignalPolicy> fallback,
               std::size_t laneCount, std::atomic<bool>* inCallback);
  ~PythonPolicy() override;
  PythonPolicy(const PythonPolicy&) = delete;
  PythonPolicy& operator=(const PythonPolicy&) = delete;

  [[nodiscard]] std::string_view name() const override { return "python"; }
  [[nodiscard]] bool usesObservations() const override { return true; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// The fallback's state: the callable's own state lives in Python, out of the engine's reach
  /// (a checkpoint restores the engine; a callable that remembers must be restored by its owner).
  [[nodiscard]] std::vector<std::uint8_t> saveState() const override { return m_fallback->saveState(); }
  void restoreState(std::span<const std::uint8_t> bytes) override { m_fallback->restoreState(bytes); }

  /// The first error raised by the callable since the last call, if any (and forgets it).
  std::exception_ptr takeError();

 private:
  // Lane arrays of the step at `nowS`, rebuilt at the first call of each step. Caller holds the GIL.
  const pybind11::dict& lanesAt(const SignalObservation& obs) const;

  PyObject* m_callable;
  std::vector<bool> m_controlled;
  std::unique_ptr<SignalPolicy> m_fallback;
  std::size_t m_laneCount;
  std::atomic<bool>* m_inCallback;
  mutable std::mutex m_errorMutex;
  mutable std::exception_ptr m_error;
  mutable double m_lanesTimeS = -1;
  mutable std::unique_ptr<pybind11::dict> m_lanes;  // touched only with the GIL held
};

}  // namespace traffic::python

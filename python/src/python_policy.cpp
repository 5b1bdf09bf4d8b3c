// PythonPolicy: the Python callable at the engine's decision point (see python_policy.h).
#include "python_policy.h"

#include <string>

namespace py = pybind11;

namespace traffic::python {

PythonPolicy::PythonPolicy(PyObject* callable, std::vector<bool> controlled, std::unique_ptr<SignalPolicy> fallback,
                           std::size_t laneCount, std::atomic<bool>* inCallback)
    : m_callable(callable),
      m_controlled(std::move(controlled)),
      m_fallback(std::move(fallback)),
      m_laneCount(laneCount),
      m_inCallback(inCallback) {}

PythonPolicy::~PythonPolicy() {
  // The world may be destroyed with the GIL released (reset); the cached arrays are Python objects.
  if (m_lanes) {
    py::gil_scoped_acquire gil;
    m_lanes.reset();
  }
}

const py::dict& PythonPolicy::lanesAt(const SignalObservation& obs) const {
  if (m_lanes && m_lanesTimeS == obs.nowS) return *m_lanes;
  const std::size_t n = m_laneCount;
  py::array_t<std::int32_t> vehicles(n), halting(n), approaching(n);
  py::array_t<double> occupancy(n), waiting(n), flow(n);
  auto v = vehicles.mutable_unchecked<1>();
  auto h = halting.mutable_unchecked<1>();
  auto a = approaching.mutable_unchecked<1>();
  auto o = occupancy.mutable_unchecked<1>();
  auto w = waiting.mutable_unchecked<1>();
  auto f = flow.mutable_unchecked<1>();
  for (std::size_t l = 0; l < n; ++l) {
    const bool known = l < obs.allLanes.size();
    const LaneObservation empty{};
    const LaneObservation& lane = known ? obs.allLanes[l] : empty;
    const auto i = static_cast<py::ssize_t>(l);
    v(i) = lane.vehicles;
    h(i) = lane.queue;
    a(i) = lane.approaching;
    o(i) = lane.occupancy;
    w(i) = lane.waitingS;
    f(i) = lane.flowVehPerH;
  }
  auto lanes = std::make_unique<py::dict>();
  (*lanes)["vehicles"] = vehicles;
  (*lanes)["halting"] = halting;
  (*lanes)["approaching"] = approaching;
  (*lanes)["occupancy"] = occupancy;
  (*lanes)["waiting_time"] = waiting;
  (*lanes)["flow_veh_per_h"] = flow;
  m_lanes = std::move(lanes);
  m_lanesTimeS = obs.nowS;
  return *m_lanes;
}

int PythonPolicy::decide(const SignalObservation& obs) const {
  const std::size_t j = obs.junction.index();
  if (j >= m_controlled.size() || !m_controlled[j]) return m_fallback->decide(obs);
  {
    const std::lock_guard lock(m_errorMutex);
    if (m_error) return obs.currentPhase;  // a call failed this step; the step finishes unchanged
  }
  py::gil_scoped_acquire gil;
  try {
    PolicyContext context;
    context.junction = static_cast<int>(j);
    context.timeS = obs.nowS;
    context.phase = obs.currentPhase;
    context.timeInPhaseS = obs.timeInPhaseS;
    context.phaseCount = static_cast<int>(obs.phases.size());
    context.lanes = lanesAt(obs);
    m_inCallback->store(true);
    py::object answer;
    try {
      answer = py::reinterpret_borrow<py::object>(m_callable)(context);
    } catch (...) {
      m_inCallback->store(false);
      throw;
    }
    m_inCallback->store(false);
    PyObject* asIndex = py::isinstance<py::bool_>(answer) ? nullptr : PyNumber_Index(answer.ptr());
    if (asIndex == nullptr) {
      PyErr_Clear();
      throw py::type_error("policy callable: junction " + std::to_string(j) + ": expected a phase index (int), got " +
                           py::repr(answer).cast<std::string>());
    }
    const auto phase = py::reinterpret_steal<py::int_>(asIndex).cast<long long>();
    if (phase < 0 || phase >= static_cast<long long>(obs.phases.size()))
      throw py::index_error("policy callable: junction " + std::to_string(j) + ": phase " + std::to_string(phase) +
                            " out of range (it has " + std::to_string(obs.phases.size()) + " phases)");
    return static_cast<int>(phase);
  } catch (...) {
    const std::lock_guard lock(m_errorMutex);
    if (!m_error) m_error = std::current_exception();
    return obs.currentPhase;
  }
}

std::exception_ptr PythonPolicy::takeError() {
  const std::lock_guard lock(m_errorMutex);
  std::exception_ptr e = m_error;
  m_error = nullptr;
  return e;
}

}  // namespace traffic::python

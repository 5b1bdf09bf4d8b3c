#include "traffic/render/live_source.h"

#include <algorithm>
#include <chrono>

namespace traffic::render {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The viewer shows at most this many frames a second; publishing more would only cost the
// simulation the copies.
constexpr double kPublishIntervalS = 1.0 / 60;
// The follow panel's trip record is refreshed this often (it walks every departed trip).
constexpr double kDetailsIntervalS = 0.25;

}  // namespace

LiveSimulation::LiveSimulation(std::shared_ptr<const Scenario> scenario, Options options, OnFinished onFinished)
    : m_scenario(std::move(scenario)),
      m_world(std::make_unique<World>(*m_scenario, options.world)),
      m_options(options),
      m_onFinished(std::move(onFinished)) {
  m_info.name = m_scenario->name;
  m_info.policy = m_scenario->signalPolicy.name;
  m_info.startS = 0;
  m_info.endS = m_scenario->durationS;
  m_info.stepS = m_scenario->stepS;
  m_info.live = true;
  m_paused = options.startPaused;
  m_speed = options.speed;
  m_frame = std::make_shared<const Frame>(m_world->frame());
  m_chart.emplace_back(m_frame->timeS, m_frame->stats.delayIndex);
  m_thread = std::thread([this] { threadMain(); });
}

LiveSimulation::~LiveSimulation() { stop(); }

void LiveSimulation::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

std::vector<std::string> LiveSimulation::linesAtStop(std::size_t index) const {
  std::vector<std::string> out;
  for (const TransitLine& line : m_scenario->transit.lines)
    if (std::find(line.stops.begin(), line.stops.end(), index) != line.stops.end()) out.push_back(line.id);
  return out;
}

double LiveSimulation::vehicleLengthM(std::uint32_t id) const {
  const auto& trips = m_scenario->demand.trips;
  if (id >= trips.size()) return 5;
  const std::size_t type = trips[id].type.index();
  return type < m_scenario->vehicleTypes.size() ? m_scenario->vehicleTypes[type].lengthM : 5;
}

std::optional<VehicleDetails> LiveSimulation::vehicleDetails(std::uint32_t id) {
  const auto& trips = m_scenario->demand.trips;
  if (id >= trips.size()) return std::nullopt;
  const Trip& trip = trips[id];
  VehicleDetails d;
  d.id = id;
  d.trip = trip.id;
  if (trip.type.index() < m_scenario->vehicleTypes.size()) {
    const VehicleType& type = m_scenario->vehicleTypes[trip.type.index()];
    d.type = type.name;
    d.vehicleClass = type.vehicleClass;
    d.lengthM = type.lengthM;
  }
  d.departS = trip.departS;
  const auto route = m_scenario->demand.routes.route(trip.route);
  d.route.assign(route.begin(), route.end());
  std::lock_guard lock(m_mutex);
  if (m_followedRecord && m_followedRecord->tripIndex == id) {
    d.enterS = m_followedRecord->enterS;
    d.arriveS = m_followedRecord->arriveS;
    d.distanceM = m_followedRecord->distanceM;
    d.freeFlowS = m_followedRecord->freeFlowS;
    d.routeLengthM = m_followedRecord->routeLengthM;
    d.stops = m_followedRecord->stops;
    d.upcomingStops = m_followedStops;
  }
  return d;
}

void LiveSimulation::follow(std::optional<std::uint32_t> id) {
  m_followed = id ? static_cast<std::int64_t>(*id) : -1;
  if (m_finished) {
    // The simulation thread is done with the world, so this thread may read it.
    publish(*m_world, true);
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    m_detailsWanted = true;
  }
  m_wake.notify_all();
}

std::shared_ptr<const Frame> LiveSimulation::current() {
  std::lock_guard lock(m_mutex);
  return m_frame;
}

std::vector<EntryQueue> LiveSimulation::entryQueues(const Frame& frame) const {
  std::lock_guard lock(m_mutex);
  if (!m_frame || m_frame->step != frame.step) return {};
  return m_entryQueues;
}

void LiveSimulation::setPaused(bool paused) {
  {
    std::lock_guard lock(m_mutex);
    m_paused = paused;
    if (!paused) m_stepRequests = 0;  // steps asked for while paused lapse when play resumes
    m_controlChanged = true;
  }
  m_wake.notify_all();
}

void LiveSimulation::stepOnce() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_paused) return;
    ++m_stepRequests;
  }
  m_wake.notify_all();
}

void LiveSimulation::setSpeed(PlaybackSpeed speed) {
  {
    std::lock_guard lock(m_mutex);
    m_speed = speed;
    m_controlChanged = true;
  }
  m_wake.notify_all();
}

std::string LiveSimulation::status() const {
  std::lock_guard lock(m_mutex);
  return m_status;
}

std::optional<int> LiveSimulation::exitCode() const {
  std::lock_guard lock(m_mutex);
  return m_exitCode;
}

double LiveSimulation::publishedTimeS() const {
  std::lock_guard lock(m_mutex);
  return m_frame ? m_frame->timeS : 0;
}

void LiveSimulation::publish(const World& world, bool withDetails) {
  auto frame = std::make_shared<const Frame>(world.frame());
  std::vector<EntryQueue> entry;
  for (const auto& [road, vehicles] : world.entryQueueLengths()) entry.push_back({road, vehicles});
  std::optional<TripRecord> record;
  std::vector<UpcomingStop> upcoming;
  const std::int64_t id = m_followed.load();
  if (withDetails && id >= 0) {
    // Only the followed vehicle's record is kept; tripRecords() is the world's one public way to it.
    const std::vector<TripRecord> records = world.tripRecords();
    if (static_cast<std::size_t>(id) < records.size()) record = records[static_cast<std::size_t>(id)];
    upcoming = world.upcomingStops(static_cast<std::uint32_t>(id));
  }
  std::lock_guard lock(m_mutex);
  // The chart keeps at most about a thousand points over the run, whatever the pace of frames.
  const double minGapS = (m_info.endS - m_info.startS) / 1000;
  if (m_chart.empty() || frame->timeS >= m_chart.back().first + minGapS)
    m_chart.emplace_back(frame->timeS, frame->stats.delayIndex);
  m_frame = std::move(frame);
  m_entryQueues = std::move(entry);
  if (withDetails) {
    m_followedRecord = record;
    m_followedStops = std::move(upcoming);
  }
}

std::vector<std::pair<double, double>> LiveSimulation::delayIndexHistory() const {
  std::lock_guard lock(m_mutex);
  std::vector<std::pair<double, double>> out = m_chart;
  if (m_frame && (out.empty() || out.back().first < m_frame->timeS)) out.emplace_back(m_frame->timeS, m_frame->stats.delayIndex);
  return out;
}

void LiveSimulation::threadMain() {
  World& world = *m_world;
  double stepWallS = 0;
  Clock::time_point anchorWall = Clock::now();
  double anchorSimS = world.timeS();
  Clock::time_point lastPublish = Clock::now();
  Clock::time_point lastDetails = Clock::now();
  bool reachedPauseAt = !m_options.pauseAtS.has_value();

  while (!m_stop) {
    if (world.finished()) {
      publish(world, true);
      FinishResult result = m_onFinished ? m_onFinished(world, stepWallS) : FinishResult{};
      {
        std::lock_guard lock(m_mutex);
        m_exitCode = result.exitCode;
        m_status = std::move(result.status);
      }
      m_finished = true;
      return;
    }

    const bool forwarding = !reachedPauseAt && world.timeS() + 1e-9 < *m_options.pauseAtS;
    if (!reachedPauseAt && !forwarding) {
      reachedPauseAt = true;
      publish(world, true);
      setPaused(true);
    }

    bool single = false;
    PlaybackSpeed speed = kAsFastAsPossible;
    {
      std::unique_lock lock(m_mutex);
      if (!forwarding && m_paused && m_stepRequests == 0) {
        m_wake.wait(lock, [&] { return m_stop.load() || !m_paused.load() || m_stepRequests > 0 || m_detailsWanted; });
        if (m_detailsWanted) {
          // A vehicle was clicked while paused: its trip record is wanted now, not at the next step.
          m_detailsWanted = false;
          lock.unlock();
          publish(world, true);
        }
        continue;
      }
      if (m_paused && m_stepRequests > 0) {
        --m_stepRequests;
        single = true;
      }
      if (m_controlChanged) {
        m_controlChanged = false;
        anchorWall = Clock::now();
        anchorSimS = world.timeS();
      }
      speed = m_speed.load();
      if (!forwarding && !single && speed > 0) {
        // Pace: simulated time may run ahead of the wall clock by `speed` only.
        const double dueS = anchorSimS + secondsSince(anchorWall) * speed;
        if (world.timeS() >= dueS) {
          const double waitS = std::min((world.timeS() - dueS) / speed + 1e-4, 0.05);
          m_wake.wait_for(lock, std::chrono::duration<double>(waitS),
                          [&] { return m_stop.load() || m_controlChanged || m_paused.load(); });
          continue;
        }
        // Far behind (the simulation cannot keep up): start counting afresh instead of bursting
        // to catch up later.
        if (dueS - world.timeS() > std::max(speed * 0.25, 2 * world.scenario().stepS)) {
          anchorWall = Clock::now();
          anchorSimS = world.timeS();
        }
      }
    }

    const Clock::time_point t0 = Clock::now();
    world.step();
    stepWallS += secondsSince(t0);

    if (single || secondsSince(lastPublish) >= kPublishIntervalS) {
      const bool details = single || secondsSince(lastDetails) >= kDetailsIntervalS;
      publish(world, details);
      if (details) lastDetails = Clock::now();
      lastPublish = Clock::now();
    }
  }
}

}  // namespace traffic::render

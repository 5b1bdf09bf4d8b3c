// A simulation on its own thread, as a FrameSource for the viewer.
//
// The thread owns the World: it steps it, paces it to the requested speed and, at most about 60
// times a wall-clock second, publishes a Frame (World::frame) by swapping a shared pointer under
// a mutex. The viewer thread reads only published frames, never the world. Stepping does not
// depend on when frames are taken, so a viewed run computes exactly what a headless one does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "traffic/render/frame_source.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic::render {

class LiveSimulation final : public FrameSource {
 public:
  struct FinishResult {
    int exitCode = 0;
    std::string status;  ///< shown on the HUD, e.g. where the outputs went
  };
  /// Called on the simulation thread once the world reaches the scenario's end, with the wall time
  /// spent stepping (pauses and pacing excluded); its exit code is kept for exitCode().
  using OnFinished = std::function<FinishResult(const World& world, double stepWallS)>;

  struct Options {
    WorldOptions world;
    PlaybackSpeed speed = 10;
    bool startPaused = false;
    /// Run as fast as possible up to this time, then pause there (the viewer's --at).
    std::optional<double> pauseAtS;
  };

  /// Builds the world (throws LoadError as World does) and starts the thread.
  LiveSimulation(std::shared_ptr<const Scenario> scenario, Options options, OnFinished onFinished);
  ~LiveSimulation() override;  ///< stops and joins the thread; a run cut short writes nothing
  LiveSimulation(const LiveSimulation&) = delete;
  LiveSimulation& operator=(const LiveSimulation&) = delete;

  [[nodiscard]] const RoadNetwork& network() const override { return *m_scenario->network; }
  [[nodiscard]] const SourceInfo& info() const override { return m_info; }
  [[nodiscard]] const std::vector<TransitStop>& stops() const override { return m_scenario->transit.stops; }
  [[nodiscard]] std::vector<std::string> linesAtStop(std::size_t index) const override;
  [[nodiscard]] double vehicleLengthM(std::uint32_t id) const override;
  [[nodiscard]] std::optional<VehicleDetails> vehicleDetails(std::uint32_t id) override;
  void follow(std::optional<std::uint32_t> id) override;

  [[nodiscard]] std::shared_ptr<const Frame> current() override;
  [[nodiscard]] std::vector<EntryQueue> entryQueues(const Frame& frame) const override;
  void setPaused(bool paused) override;
  [[nodiscard]] bool paused() const override { return m_paused.load(); }
  void stepOnce() override;
  void setSpeed(PlaybackSpeed speed) override;
  [[nodiscard]] PlaybackSpeed speed() const override { return m_speed.load(); }
  [[nodiscard]] bool finished() const override { return m_finished.load(); }
  [[nodiscard]] std::string status() const override;
  [[nodiscard]] std::vector<std::pair<double, double>> delayIndexHistory() const override;

  /// Stop the simulation thread (idempotent).
  void stop();
  /// The OnFinished result once finished, else nullopt.
  [[nodiscard]] std::optional<int> exitCode() const;
  /// Simulated time of the newest published frame.
  [[nodiscard]] double publishedTimeS() const;

 private:
  void threadMain();
  void publish(const World& world, bool withDetails);

  std::shared_ptr<const Scenario> m_scenario;
  std::unique_ptr<World> m_world;  // used by the simulation thread only, until it has finished
  Options m_options;
  OnFinished m_onFinished;
  SourceInfo m_info;

  std::atomic<bool> m_paused{false};
  std::atomic<double> m_speed{10};
  std::atomic<bool> m_finished{false};
  std::atomic<bool> m_stop{false};
  std::atomic<std::int64_t> m_followed{-1};

  mutable std::mutex m_mutex;  // guards the fields below
  std::condition_variable m_wake;
  int m_stepRequests = 0;
  bool m_controlChanged = false;  // speed or pause changed: re-anchor the pacing clock
  bool m_detailsWanted = false;   // a vehicle was just chosen to follow
  std::shared_ptr<const Frame> m_frame;
  std::vector<EntryQueue> m_entryQueues;  // at m_frame's step
  std::optional<TripRecord> m_followedRecord;  // of the followed vehicle, as of the newest frame
  std::vector<UpcomingStop> m_followedStops;    // its stops still ahead, as of the same frame
  std::vector<std::pair<double, double>> m_chart;  // delay index of published frames, thinned
  std::optional<int> m_exitCode;
  std::string m_status;

  std::thread m_thread;
};

}  // namespace traffic::render

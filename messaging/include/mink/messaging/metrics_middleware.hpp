#pragma once
// The metrics stage: count and latency per command type and outcome, events appended per type.

#include <mink/messaging/middleware.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mink {

/// Counts per (command type, outcome). outcome is "ok", "replayed", or the error's message.
/// Thread-safe.
class command_metrics {
 public:
  /// Upper bounds of the latency histogram's buckets, in seconds (the last bucket is +Inf).
  static constexpr std::array<double, 12> bucket_bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,   2.5};

  struct series {
    std::uint64_t count = 0;
    double seconds_sum = 0;
    std::array<std::uint64_t, bucket_bounds.size() + 1> buckets{};  ///< Not cumulative.
  };
  using key = std::pair<std::string, std::string>;  ///< (command type, outcome)

  void record(std::string_view command_type, std::string_view outcome, std::chrono::nanoseconds latency);
  /// A consistent copy of every series.
  std::map<key, series> snapshot() const;

  /// Adds `count` events appended by a command of `command_type` (the middleware records a
  /// successful, non-replayed dispatch's event_count; a type is listed from its first command on).
  void record_events(std::string_view command_type, std::uint64_t count);
  /// Events appended per command type.
  std::map<std::string, std::uint64_t> events_snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<key, series> series_;
  std::map<std::string, std::uint64_t, std::less<>> events_;
};

/// Records every command's outcome and latency in a shared command_metrics, and the events a
/// successful command appended (not for a replayed result: those events were counted once).
class metrics_middleware final : public middleware {
 public:
  explicit metrics_middleware(std::shared_ptr<command_metrics> metrics) : metrics_(std::move(metrics)) {}
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;

 private:
  std::shared_ptr<command_metrics> metrics_;
};

}  // namespace mink

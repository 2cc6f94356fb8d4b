#pragma once
// The state a projection_runner shares with its projection actors.

#include <mink/actors/projection_runner.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mink::actors {

using strand_type = boost::asio::strand<boost::asio::any_io_executor>;

/// One read-your-writes wait; lives on its actor's strand.
struct projection_waiter {
  projection_waiter(const strand_type& s, log_position t) : timer(s), target(t) {}
  boost::asio::steady_timer timer;
  log_position target;
  bool reached = false;
  bool aborted = false;
};

/// One projection. `shared` is guarded by `mtx` (status and commands come from any thread);
/// the timers and waiters belong to the strand.
struct projection_actor {
  projection_actor(const boost::asio::any_io_executor& ex, persistence::projection& p, projection_options o)
      : proj(p), options(o), strand(boost::asio::make_strand(ex)), wake_timer(strand), backoff_timer(strand) {}

  persistence::projection& proj;
  projection_options options;
  strand_type strand;
  boost::asio::steady_timer wake_timer;
  boost::asio::steady_timer backoff_timer;
  std::atomic<bool> woken{false};
  std::vector<std::shared_ptr<projection_waiter>> waiters;

  struct shared_state {
    bool paused = false;
    bool rebuild_requested = false;
    bool rebuilding = false;
    log_position live;
    log_position shadow;
    std::int64_t head = 0;
    std::optional<projection_fault> fault;
  };
  mutable std::mutex mtx;
  shared_state shared;

  shared_state snapshot() const {
    std::lock_guard lock(mtx);
    return shared;
  }
  /// Cancels the wait of an idle loop (coalesced: one post per burst of wakes). `keep_alive`
  /// (the runner's core) is held until the post has run.
  void wake(std::shared_ptr<const void> keep_alive);
  /// Records a new live position and releases the waits it satisfies (on the strand).
  void advance_live(log_position p);
  projection_status status() const;
};

struct projection_runner::core : std::enable_shared_from_this<projection_runner::core> {
  core(boost::asio::any_io_executor e, persistence::event_store& s, projection_runner_params p)
      : ex(std::move(e)), store(s), params(p) {}

  boost::asio::any_io_executor ex;
  persistence::event_store& store;
  projection_runner_params params;
  std::vector<std::unique_ptr<projection_actor>> actors;
  std::atomic<bool> stopped{false};

  projection_actor* find(const std::string& name) const;
  std::size_t batch_size(const projection_actor& a) const {
    return a.options.batch_size != 0 ? a.options.batch_size : params.batch_size;
  }
};

/// The actor's loop: runs on a.strand until the runner is stopped.
boost::asio::awaitable<void> run_projection(std::shared_ptr<projection_runner::core> c, projection_actor& a);

}  // namespace mink::actors

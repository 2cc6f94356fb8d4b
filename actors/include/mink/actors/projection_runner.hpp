#pragma once
// Runs projections: each one an actor that catches up from its checkpoint through the global log.

#include <mink/persistence/event_store.hpp>
#include <mink/persistence/projection.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mink::actors {

/// live: the runner applies the projection from the log. inline_: the read model is written in
/// the append's own transaction (persistence::inline_projection_store); the runner only reports it.
enum class projection_mode { live, inline_ };

enum class projection_state { running, paused, rebuilding, faulted, inline_ };

/// "running", "paused", "rebuilding", "faulted", "inline".
const char* to_string(projection_state s) noexcept;

struct projection_options {
  projection_mode mode = projection_mode::live;
  std::size_t batch_size = 0;  ///< Events per transaction; 0: the runner's batch_size.
};

struct projection_runner_params {
  /// How often an idle projection looks for new events without a wake() (lost notifications).
  std::chrono::milliseconds poll_interval{1000};
  std::size_t batch_size = 500;
  /// A failing event is retried after retry_initial, doubling up to retry_max, max_attempts times
  /// in all; then the projection is faulted on it.
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{5000};
  unsigned max_attempts = 5;
};

/// The event a projection is stopped on.
struct projection_fault {
  std::int64_t position = 0;  ///< Its global position.
  std::string event_id;
  std::string type;
  boost::system::error_code error;
  std::string message;  ///< The handler's or the database's message.
  unsigned attempts = 0;
  bool in_rebuild = false;  ///< It failed while filling the rebuild's shadow.
};

struct projection_status {
  std::string name;
  projection_state state = projection_state::running;
  std::int64_t position = 0;  ///< Global position of the live checkpoint (inline: the head).
  std::int64_t head = 0;      ///< Highest committed global position when last looked at.
  std::int64_t lag = 0;       ///< head - position, at least 0.
  /// While rebuilding: the shadow's checkpoint (global position), to compare with head.
  std::optional<std::int64_t> rebuild_position;
  std::optional<projection_fault> fault;
};

/// Drives projections from an event_store's global log, read in commit-safe order.
///
/// Each projection is an actor on its own strand: it loads its checkpoint, then reads pages of
/// its event types after it (read_all_result::next) and applies each page as one batch with the
/// new checkpoint, atomically (exactly once). When a page comes back short it sleeps until
/// wake() or poll_interval. A failing batch is re-run event by event (committing the good
/// prefix); the failing event is retried with backoff, then the projection is faulted on it:
/// never skipped. resume() retries it.
///
/// Lifetimes: the store, the projections and the runner must outlive async_run and every
/// async_wait_for. Thread safety: wake, status, statuses, pause, resume, start_rebuild, cancel
/// and async_wait_for may be called from any thread; add only before async_run.
class projection_runner {
 public:
  projection_runner(boost::asio::any_io_executor ex, persistence::event_store& store,
                    projection_runner_params params = {});
  ~projection_runner();
  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  /// Registers `p` (before async_run). errc::empty_name, errc::duplicate_registration.
  boost::system::error_code add(persistence::projection& p, projection_options options = {});

  /// Runs every projection until cancel() (call once). Completion: void(error_code): success
  /// after cancel() (at once when no projection was added); errc::shutting_down if cancel() came
  /// first.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { start_run(std::move(handler)); }, token);
  }

  /// Stops the projections (each after its current batch) and ends pending waits with
  /// operation_aborted.
  void cancel();

  /// New events may exist: idle projections look now. Cheap and coalescing (call per NOTIFY).
  void wake();

  std::optional<projection_status> status(const std::string& name) const;
  std::vector<projection_status> statuses() const;

  /// Stop applying after the current batch / apply again (resume also retries a faulted event).
  /// errc::unknown_projection; resume of an inline projection is a no-op.
  boost::system::error_code pause(const std::string& name);
  boost::system::error_code resume(const std::string& name);

  /// Starts a rebuild and returns at once: a fresh shadow is filled from the start of the log
  /// while queries read the live model, then swapped in atomically once it has caught up. A
  /// request while one runs is a no-op. errc::unknown_projection; errc::projection_busy for an
  /// inline projection (its writes happen in appends, which a shadow could not see).
  boost::system::error_code start_rebuild(const std::string& name);

  /// Completes once projection `name` has applied the event at `global_position` (and so every
  /// event before it in the log). Completion: void(error_code): success; errc::timeout after
  /// `timeout`; errc::unknown_projection; errc::position_not_found when no event has that
  /// position and it is at or below the head of the log (a rolled-back append's gap: no event
  /// ever will); operation_aborted on cancel(); the store's errors. A position beyond the head is
  /// looked for again every 20 ms until its event is committed or the timeout passes (its append
  /// may still be committing). An inline projection succeeds as soon as the event is committed.
  template <class CompletionToken>
  auto async_wait_for(std::string name, std::int64_t global_position, std::chrono::milliseconds timeout,
                      CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler, std::string n, std::int64_t p, std::chrono::milliseconds t) {
          start_wait(std::move(n), p, t, std::move(handler));
        },
        token, std::move(name), global_position, timeout);
  }

  struct core;

 private:
  using done_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
  void start_run(done_handler handler);
  void start_wait(std::string name, std::int64_t position, std::chrono::milliseconds timeout, done_handler handler);

  std::shared_ptr<core> core_;
};

}  // namespace mink::actors

#pragma once
// Runs sagas: reads the global log from a durable checkpoint, routes events to saga instances
// (actors keyed by saga id), fires durable deadlines, and lets operators retry failed sagas.

#include <mink/actors/registry_params.hpp>
#include <mink/actors/saga.hpp>
#include <mink/persistence/saga_store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mink {
class command_bus;
}
namespace mink::persistence {
class event_store;
class deadline_store;
class checkpoint_store;
class connection_pool;
}  // namespace mink::persistence

namespace mink::actors {

struct saga_manager_params {
  /// How often the log and the deadlines are polled when no wake() comes.
  std::chrono::milliseconds poll_interval{1000};
  /// After a failed delivery (the database, a version conflict), wait this long and read again.
  std::chrono::milliseconds retry_delay{1000};
  std::size_t batch_size = 256;        ///< Events read per read_all.
  /// Sagas handling events of one batch at once (each saga's own events one by one, in order).
  std::size_t max_concurrent_sagas = 16;
  std::size_t deadline_batch = 64;     ///< Deadlines claimed at once.
  registry_params actors;              ///< The saga instances' registry.
  /// On PostgreSQL: the pool of the pg_saga_store and pg_deadline_store given to the manager.
  /// Each deadline is then claimed and the state its handler produces saved in one transaction,
  /// so a crash (or a failed delivery) between the two leaves the deadline due: it fires again.
  /// Null, or other stores: claim, then deliver until delivered (a crash in between loses it).
  persistence::connection_pool* pool = nullptr;
};

struct saga_manager_stats {
  std::uint64_t events_delivered = 0;  ///< Events handed to saga instances (redeliveries included).
  std::uint64_t deadlines_fired = 0;   ///< Deadlines claimed and delivered.
  std::uint64_t delivery_errors = 0;   ///< Deliveries that failed and will be retried.
  std::uint64_t wakes = 0;             ///< wake() calls that were not coalesced.
  std::uint64_t retries = 0;           ///< async_retry calls that resumed a saga.
  log_position position;               ///< Where the first definition's reader stands.
};

namespace detail {
struct saga_manager_core;
}

/// Thread safety: add() only before async_run; wake(), cancel(), stats() and every async op from
/// any thread. Lifetime: the stores and the bus must outlive the manager, and the manager must
/// outlive async_run's completion. async_run runs once.
class saga_manager {
 public:
  saga_manager(boost::asio::any_io_executor ex, persistence::event_store& events, persistence::saga_store& sagas,
               persistence::deadline_store& deadlines, persistence::checkpoint_store& checkpoints, command_bus& bus,
               saga_manager_params params = {});
  ~saga_manager();
  saga_manager(const saga_manager&) = delete;
  saga_manager& operator=(const saga_manager&) = delete;

  /// Adds a saga type (before async_run). errc::empty_saga_type, errc::duplicate_registration,
  /// errc::empty_name (no correlate function).
  boost::system::error_code add(saga_definition definition);

  /// Reads the log and fires deadlines until cancel(); then lets the instances finish what they
  /// are handling and completes. Completion: void(error_code): success after cancel(); errors of
  /// loading a checkpoint are retried, not reported. Cancellation: cancel() (per-operation
  /// cancellation slots are not supported).
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { run(std::move(handler)); }, token);
  }

  /// Stops async_run. Thread-safe, idempotent.
  void cancel();
  /// Reads the log and checks deadlines now (instead of at the next poll). Thread-safe, cheap,
  /// coalescing: many calls before the manager gets to it read once.
  void wake();

  /// Resumes a saga that ended failed, or that is stuck compensating: a failed step (policy
  /// fail_saga) is run again; a compensation that failed is run again and the compensation goes
  /// on from there. Completion: void(error_code). Errors: errc::saga_not_found,
  /// errc::saga_not_retryable (any other status), errc::unknown_saga_type, errc::shutting_down
  /// (async_run has ended), the store's errors. Only while async_run runs.
  template <class CompletionToken>
  auto async_retry(std::string saga_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler, std::string id) { retry(std::move(id), std::move(handler)); }, token,
        std::move(saga_id));
  }

  // Queries, straight through the saga store (see saga_store for signatures and errors).
  template <class CompletionToken>
  auto async_find(std::string saga_id, CompletionToken&& token) {
    return sagas_.async_find(std::move(saga_id), std::forward<CompletionToken>(token));
  }
  template <class CompletionToken>
  auto async_find_by_correlation(std::string correlation_id, CompletionToken&& token) {
    return sagas_.async_find_by_correlation(std::move(correlation_id), std::forward<CompletionToken>(token));
  }
  /// Counts of `saga_type` (every type when empty) per status.
  template <class CompletionToken>
  auto async_count_by_status(std::string saga_type, CompletionToken&& token) {
    return sagas_.async_count_by_status(std::move(saga_type), std::forward<CompletionToken>(token));
  }

  saga_manager_stats stats() const;

 private:
  void run(boost::asio::any_completion_handler<void(boost::system::error_code)> handler);
  void retry(std::string saga_id, boost::asio::any_completion_handler<void(boost::system::error_code)> handler);

  persistence::saga_store& sagas_;
  std::shared_ptr<detail::saga_manager_core> core_;
};

}  // namespace mink::actors

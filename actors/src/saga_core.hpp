#pragma once
// Inside the saga manager: what saga contexts reach, the per-instance actor, and the manager's
// shared state (kept alive by wake() posts that may outlive the manager object).

#include <mink/actors/actor_registry.hpp>
#include <mink/actors/saga.hpp>
#include <mink/actors/saga_manager.hpp>
#include <mink/persistence/checkpoint_store.hpp>
#include <mink/persistence/deadline_store.hpp>
#include <mink/persistence/event_store.hpp>
#include <mink/persistence/pg_deadline_store.hpp>
#include <mink/persistence/pg_saga_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

namespace mink {
class command_bus;
}

namespace mink::actors::detail {

struct saga_services {
  boost::asio::any_io_executor ex;
  command_bus& bus;
  persistence::deadline_store& deadlines;
  std::function<void()> deadline_scheduled;  ///< Wakes the deadline loop.
};

/// One saga instance in memory: its last saved state (nullopt: none stored), loaded on first use.
struct saga_actor {
  bool loaded = false;
  std::optional<persistence::saga_state> state;
};

/// What the manager hands to an instance.
struct saga_delivery {
  const saga_definition* definition = nullptr;
  std::string saga_id;
  std::string correlation_id;
  std::optional<recorded_event> event;
  std::optional<persistence::saga_deadline> deadline;
  bool retry = false;
  /// Replaces the store for the handler's save (a save inside the deadline's claim transaction).
  /// Completion as saga_store::async_save.
  std::function<boost::asio::awaitable<std::tuple<boost::system::error_code, std::uint64_t>>(
      persistence::saga_state s, std::uint64_t expected_version)>
      handler_save;
};

/// Applies `d` to the instance: loads it, skips what it has processed, runs the handler, saves,
/// compensates. Errors: the store's (the instance is then reloaded on its next delivery), and for
/// a retry errc::saga_not_found / saga_not_retryable.
boost::asio::awaitable<boost::system::error_code> deliver(saga_services& services, persistence::saga_store& store,
                                                          saga_actor& actor, const saga_delivery& d);

struct saga_manager_core : std::enable_shared_from_this<saga_manager_core> {
  saga_manager_core(boost::asio::any_io_executor ex, persistence::event_store& events,
                    persistence::saga_store& sagas, persistence::deadline_store& deadlines,
                    persistence::checkpoint_store& checkpoints, command_bus& bus, saga_manager_params params);

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> deadline_loop();
  /// Reads and delivers one batch for `def`; true if the reader moved.
  boost::asio::awaitable<bool> pump(const saga_definition& def, log_position& position);
  boost::asio::awaitable<bool> fire_deadlines();
  /// fire_deadlines with claim and save in one transaction (params.pool and the pg stores).
  boost::asio::awaitable<bool> fire_deadlines_in_transactions();
  /// The delivery of `deadline`, or nullopt when no saga of ours has it. Errors: the store's.
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::optional<saga_delivery>>> deadline_delivery(
      const persistence::saga_deadline& deadline);
  boost::asio::awaitable<boost::system::error_code> ask(saga_delivery d);
  boost::asio::awaitable<void> sleep(boost::asio::steady_timer& timer, std::chrono::steady_clock::duration d);
  const saga_definition* definition_of_saga(const std::string& saga_type) const;

  void wake();
  void cancel();
  void count(std::uint64_t saga_manager_stats::*field);

  boost::asio::any_io_executor ex;
  boost::asio::strand<boost::asio::any_io_executor> strand;
  persistence::event_store& events;
  persistence::saga_store& sagas;
  persistence::checkpoint_store& checkpoints;
  saga_manager_params params;
  persistence::pg_saga_store* pg_sagas = nullptr;          // both set: transactional deadlines
  persistence::pg_deadline_store* pg_deadlines = nullptr;
  saga_services services;
  std::deque<saga_definition> definitions;  // stable addresses: deliveries point at them
  actor_registry<saga_actor> registry;
  boost::asio::steady_timer read_timer;
  boost::asio::steady_timer deadline_timer;
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> deadline_wake_pending{false};
  bool stopped = false;  // on the strand
  std::atomic<bool> running{false};

  mutable std::mutex stats_mtx;
  saga_manager_stats counters;
};

}  // namespace mink::actors::detail

#pragma once
// The shared state behind connection_pool and its handles.

#include "pg_connection.hpp"

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <mutex>

namespace mink::persistence::detail {

/// Everything the pool shares with its handles and background coroutines. Counters and queues are
/// guarded by mtx_; the maintenance loop (async_run) and its timer live on run_strand_.
class pool_core : public std::enable_shared_from_this<pool_core> {
 public:
  using acquire_handler = asio::any_completion_handler<void(error_code, pooled_connection)>;

  pool_core(asio::any_io_executor ex, pool_params params);

  const asio::any_io_executor& executor() const noexcept { return ex_; }
  const pool_params& params() const noexcept { return params_; }
  /// Where run() must execute: its timer and wake-ups share this strand.
  const asio::strand<asio::any_io_executor>& run_strand() const noexcept { return run_strand_; }

  asio::awaitable<error_code> run();
  void cancel();

  void acquire(acquire_handler handler);
  /// An idle, healthy connection if one is ready now, else null (no waiting, no side effects).
  std::unique_ptr<pg_connection> try_acquire_now();
  /// Returns a leased connection: it is rolled back, recycled, or closed as needed.
  void give_back(std::unique_ptr<pg_connection> conn);

  pool_stats stats() const;

 private:
  struct waiter {
    // The handler is constructed in place: Boost 1.81's any_completion_handler move-assignment
    // recurses without end, so handlers are never assigned anywhere in mink.
    waiter(const asio::any_io_executor& ex, acquire_handler h) : timer(ex), handler(std::move(h)) {}
    asio::steady_timer timer;
    acquire_handler handler;
    std::unique_ptr<pg_connection> conn;  // Set when a connection is handed over.
    bool settled = false;                 // Handed a connection, timed out or withdrawn.
  };
  // A connection being established. `conn` is only touched on `strand` (the connection's own),
  // and is cleared there by connect_one before the connection moves on, so cancel() can reach it.
  struct connect_attempt {
    explicit connect_attempt(pg_connection* c) : conn(c), strand(c->executor()) {}
    pg_connection* conn;
    pg_connection::executor_type strand;
  };

  void on_waiter_timer(const std::shared_ptr<waiter>& w, error_code ec);
  void withdraw(const std::shared_ptr<waiter>& w);
  /// Hands the connection to a waiter or to the idle list; false when it was closed instead.
  bool recycle_locked(std::unique_ptr<pg_connection> conn);
  bool reusable(pg_connection& conn) const;
  void discard_locked(std::unique_ptr<pg_connection> conn);
  void open_connections();
  asio::awaitable<void> connect_one(std::shared_ptr<connect_attempt> attempt, std::unique_ptr<pg_connection> conn);
  void check_idle();
  void wake();

  asio::any_io_executor ex_;
  pool_params params_;
  conninfo conninfo_;
  error_code config_error_;
  std::string config_message_;

  mutable std::mutex mtx_;
  std::vector<std::unique_ptr<pg_connection>> idle_;  // LIFO: the most recently used is warmest.
  std::deque<std::shared_ptr<waiter>> waiters_;
  std::size_t active_waiters_ = 0;
  std::size_t in_use_ = 0;
  std::size_t connecting_ = 0;
  std::list<std::shared_ptr<connect_attempt>> attempts_;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point next_connect_at_{};
  std::chrono::milliseconds backoff_{0};
  pool_stats counters_;

  // Maintenance loop state (run_strand_ only).
  asio::strand<asio::any_io_executor> run_strand_;
  asio::steady_timer wake_timer_;
  bool wake_pending_ = false;
};

/// Lets the pool's own coroutines unwrap a handle they acquired.
struct handle_access {
  static std::unique_ptr<pg_connection> take(pooled_connection& handle) {
    handle.pool_.reset();
    return std::move(handle.conn_);
  }
};

}  // namespace mink::persistence::detail

#pragma once
// An asynchronous pool of libpq connections.

#include <mink/persistence/pool_params.hpp>
#include <mink/persistence/pooled_connection.hpp>
#include <mink/persistence/query_params.hpp>
#include <mink/persistence/query_result.hpp>
#include <mink/persistence/statement.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mink::persistence {

/// A snapshot of a pool's counters.
struct pool_stats {
  std::size_t idle = 0;        ///< Open and ready.
  std::size_t in_use = 0;      ///< Leased (or being rolled back after return).
  std::size_t connecting = 0;  ///< Being established.
  std::size_t waiting = 0;     ///< Acquisitions queued for a connection.
  std::uint64_t connects = 0;          ///< Connections established since start.
  std::uint64_t connect_failures = 0;  ///< Failed connection attempts since start.
  std::uint64_t discarded = 0;         ///< Connections closed as broken, expired or dirty.
  std::uint64_t acquire_timeouts = 0;
  boost::system::error_code last_connect_error;
  std::string last_connect_message;  ///< libpq's words for the last failed connect.
};

/// Leases connections to one PostgreSQL server, keeping between min_size and max_size open.
///
/// The pool does its background work (opening connections, replacing broken ones after a backend
/// is terminated or the server restarts, health checks, reconnect backoff) inside async_run, which
/// the application starts once and which runs until cancel(). Acquisitions made before async_run
/// wait for it.
///
/// Thread safety: all member functions may be called from any thread, concurrently. The pool
/// creates no threads: its work runs on the executor given to the constructor (an io_context may be
/// run by several threads; each connection is driven through a strand of its own).
///
/// Lifetime: the pool object may be destroyed while operations are pending; destruction cancels
/// it, and pending operations still complete (with errc::pool_not_running where they could not run).
class connection_pool {
 public:
  using executor_type = boost::asio::any_io_executor;

  connection_pool(executor_type ex, pool_params params);
  ~connection_pool();
  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  executor_type get_executor() const noexcept;
  const pool_params& params() const noexcept;

  /// Runs the pool's background work until cancel(). Completion: void(error_code):
  /// success after cancel(); client_errc::invalid_connection_string when the connection string
  /// cannot be parsed. Call once.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { start_run(std::move(handler)); }, token);
  }

  /// Stops the pool: async_run completes, waiting acquisitions fail with errc::pool_not_running,
  /// idle connections close, leased ones close when returned. Idempotent; safe from any thread.
  void cancel();

  /// Leases a connection. Completion: void(error_code, pooled_connection).
  /// Errors: errc::acquire_timeout (none free within acquire_timeout; stats() tells the last
  /// connect failure), errc::pool_exhausted (max_pending already waiting; immediate),
  /// errc::pool_not_running (after cancel()). Cancellation: terminal cancellation through the
  /// handler's slot withdraws the request (asio::error::operation_aborted).
  template <class CompletionToken>
  auto async_acquire(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, pooled_connection)>(
        [this](auto handler) { start_acquire(std::move(handler)); }, token);
  }

  /// Acquires, runs one parameterized statement and returns the connection.
  /// Completion: void(error_code, query_result); errors of async_acquire and of
  /// pooled_connection::async_query.
  template <class CompletionToken>
  auto async_query(std::string_view sql, query_params params, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, query_result)>(
        [this](auto handler, std::string text, query_params p) {
          start_query(std::move(text), std::move(p), std::move(handler));
        },
        token, std::string(sql), std::move(params));
  }

  /// Acquires, runs a prepared statement (prepared once per connection) and returns the connection.
  /// Completion: void(error_code, query_result).
  template <class CompletionToken>
  auto async_execute(const statement& stmt, query_params params, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, query_result)>(
        [this](auto handler, statement s, query_params p) {
          start_execute(std::move(s), std::move(p), std::move(handler));
        },
        token, stmt, std::move(params));
  }

  pool_stats stats() const;

 private:
  using run_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
  using acquire_handler = boost::asio::any_completion_handler<void(boost::system::error_code, pooled_connection)>;
  using query_handler = boost::asio::any_completion_handler<void(boost::system::error_code, query_result)>;

  void start_run(run_handler handler);
  void start_acquire(acquire_handler handler);
  void start_query(std::string sql, query_params params, query_handler handler);
  void start_execute(statement stmt, query_params params, query_handler handler);

  std::shared_ptr<detail::pool_core> core_;
};

}  // namespace mink::persistence

#pragma once
// A connection leased from a connection_pool: move-only, returns itself when destroyed.

#include <mink/persistence/pipeline.hpp>
#include <mink/persistence/query_params.hpp>
#include <mink/persistence/query_result.hpp>
#include <mink/persistence/statement.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mink::persistence {

namespace detail {
class pool_core;
class pg_connection;
struct handle_access;
}  // namespace detail

/// Exclusive use of one pooled connection.
///
/// Every operation completes on the completion handler's associated executor (by default the
/// pool's; for a default-constructed handle, which has no pool, the system executor), never inside
/// the initiating call, and its error_code is one of: a SQLSTATE
/// (sqlstate_category(); compare with condition::unique_violation etc.), a client_errc (the
/// connection broke, libpq refused to send), errc::not_leased (empty handle),
/// errc::operation_in_progress (an operation is already running on this handle) or
/// asio::error::operation_aborted. On failure the query_result still carries diag().
///
/// Cancellation: terminal cancellation through the handler's cancellation slot aborts the wait;
/// the connection then cannot be trusted and is closed when the handle is returned.
///
/// Lifetimes: arguments are copied before the operation starts. One operation at a time per
/// handle. Destroying (or release()-ing) the handle while an operation runs is allowed: the
/// connection returns to the pool when that operation ends.
///
/// Returning: a connection returned inside a transaction is rolled back before anyone else gets
/// it; a broken one is closed and replaced.
///
/// Thread safety: distinct handles may be used concurrently; one handle from one thread at a time.
class pooled_connection {
 public:
  pooled_connection() noexcept;
  pooled_connection(std::shared_ptr<detail::pool_core> pool, std::unique_ptr<detail::pg_connection> conn) noexcept;
  pooled_connection(pooled_connection&&) noexcept;
  pooled_connection& operator=(pooled_connection&&) noexcept;
  ~pooled_connection();

  /// True while the handle holds a connection.
  bool valid() const noexcept { return conn_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  /// Returns the connection to the pool now; the handle becomes empty.
  void release() noexcept;

  /// The server process id serving this connection (for pg_terminate_backend, logs).
  int backend_pid() const noexcept;
  /// True while a transaction is open (including a failed one awaiting ROLLBACK).
  bool in_transaction() const noexcept;

  /// Runs one parameterized statement ($1, $2 ...). Completion: void(error_code, query_result).
  template <class CompletionToken>
  auto async_query(std::string_view sql, query_params params, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, query_result)>(
        [this](auto handler, std::string text, query_params p) {
          start_query(std::move(text), std::move(p), std::move(handler));
        },
        token, std::string(sql), std::move(params));
  }

  /// Runs a prepared statement, preparing it on this connection the first time.
  /// Completion: void(error_code, query_result).
  template <class CompletionToken>
  auto async_execute(const statement& stmt, query_params params, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, query_result)>(
        [this](auto handler, statement s, query_params p) {
          start_execute(std::move(s), std::move(p), std::move(handler));
        },
        token, stmt, std::move(params));
  }

  /// Sends every statement of `batch` in one round trip (libpq pipeline mode) and reads the
  /// answers. Completion: void(error_code, std::vector<query_result>): one result per statement;
  /// the error_code is the first failure, statements after it get client_errc::pipeline_aborted.
  template <class CompletionToken>
  auto async_pipeline(pipeline batch, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::vector<query_result>)>(
        [this](auto handler, pipeline b) { start_pipeline(std::move(b), std::move(handler)); }, token,
        std::move(batch));
  }

  /// Runs a script: several statements separated by semicolons, without parameters (PostgreSQL's
  /// simple query protocol), e.g. a migration. Outside a transaction block the script runs as one
  /// implicit transaction. Completion: void(error_code, query_result) (the last statement's result).
  template <class CompletionToken>
  auto async_run_script(std::string_view sql, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, query_result)>(
        [this](auto handler, std::string text) { start_script(std::move(text), std::move(handler)); }, token,
        std::string(sql));
  }

  /// BEGIN / COMMIT / ROLLBACK. Completion: void(error_code). A COMMIT of a failed transaction
  /// reports SQLSTATE 25P02-like errors as the server gives them (PostgreSQL answers ROLLBACK).
  template <class CompletionToken>
  auto async_begin(CompletionToken&& token) {
    return async_control("BEGIN", std::forward<CompletionToken>(token));
  }
  template <class CompletionToken>
  auto async_commit(CompletionToken&& token) {
    return async_control("COMMIT", std::forward<CompletionToken>(token));
  }
  template <class CompletionToken>
  auto async_rollback(CompletionToken&& token) {
    return async_control("ROLLBACK", std::forward<CompletionToken>(token));
  }

 private:
  friend struct detail::handle_access;
  using query_handler = boost::asio::any_completion_handler<void(boost::system::error_code, query_result)>;
  using pipeline_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::vector<query_result>)>;
  using control_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

  template <class CompletionToken>
  auto async_control(const char* sql, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this, sql](auto handler) { start_control(sql, std::move(handler)); }, token);
  }

  void start_query(std::string sql, query_params params, query_handler handler);
  void start_execute(statement stmt, query_params params, query_handler handler);
  void start_pipeline(pipeline batch, pipeline_handler handler);
  void start_script(std::string sql, query_handler handler);
  void start_control(const char* sql, control_handler handler);

  std::shared_ptr<detail::pool_core> pool_;
  std::unique_ptr<detail::pg_connection> conn_;
};

}  // namespace mink::persistence

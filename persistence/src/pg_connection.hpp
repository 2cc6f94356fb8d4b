#pragma once
// One libpq connection driven without blocking: every wait is an Asio wait on the socket.
// Private to mink::persistence; the pool and the listener are built on it.

#include <mink/persistence/pipeline.hpp>
#include <mink/persistence/query_params.hpp>
#include <mink/persistence/query_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

struct pg_conn;  // libpq's PGconn

namespace mink::persistence::detail {

namespace asio = boost::asio;
using boost::system::error_code;

/// Connection options as libpq keyword/value pairs (hosts already resolved to addresses).
struct conninfo {
  std::vector<std::string> keywords;
  std::vector<std::string> values;
};

struct op_result {
  error_code ec;
  query_result result;
};

struct pipeline_result {
  error_code ec;  ///< The first failure, if any.
  std::vector<query_result> results;
};

struct notification_message {
  std::string channel;
  std::string payload;
  int backend_pid = 0;
};

enum class transaction_state { idle, active, in_transaction, in_error, unknown };

/// Owns a PGconn and the Asio descriptor watching its socket. Not thread-safe: run every
/// operation on executor() (a strand), one at a time.
class pool_core;

class pg_connection {
 public:
  explicit pg_connection(const asio::any_io_executor& ex);
  ~pg_connection();
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  using executor_type = asio::strand<asio::any_io_executor>;
  const executor_type& executor() const noexcept { return strand_; }

  /// PQconnectStartParams + PQconnectPoll, waiting on the socket; connect_timeout on expiry.
  asio::awaitable<error_code> connect(const conninfo& info, std::chrono::milliseconds timeout);

  asio::awaitable<op_result> query(std::string_view sql, const query_params& params);
  asio::awaitable<op_result> execute(const std::string& name, const std::string& sql,
                                     const query_params& params);
  asio::awaitable<pipeline_result> run_pipeline(const pipeline& batch);
  /// Several statements separated by semicolons, without parameters (simple query protocol).
  asio::awaitable<op_result> script(const std::string& sql);

  /// Waits until the server sends something, then reads it; appends notifications to out.
  asio::awaitable<error_code> wait_for_notifications(std::vector<notification_message>& out);

  /// Reads whatever the server sent while the connection sat idle, without waiting.
  /// False when the connection is broken (backend terminated, socket closed).
  bool check_alive();

  /// Aborts the current wait (connect or statement) with operation_aborted and makes later waits
  /// fail the same way; the connection is then broken. Call on executor().
  void cancel();

  bool broken() const noexcept;
  void mark_broken() noexcept { broken_ = true; }
  transaction_state transaction() const noexcept;
  int backend_pid() const noexcept;
  std::string error_message() const;
  std::chrono::steady_clock::time_point created_at() const noexcept { return created_at_; }

  std::chrono::steady_clock::time_point last_used;

  // Lease bookkeeping for pooled_connection: an operation marks the connection busy; a handle
  // released meanwhile parks ownership here and the operation returns it to the pool when done.
  enum lease : int { lease_idle = 0, lease_busy = 1, lease_orphaned = 2 };
  std::atomic<int> lease_state{lease_idle};
  std::unique_ptr<pg_connection> orphan;
  std::shared_ptr<pool_core> orphan_pool;

 private:
  asio::awaitable<error_code> flush();
  asio::awaitable<error_code> wait_until_ready();
  asio::awaitable<op_result> collect(bool pipelined);
  asio::awaitable<op_result> answer(bool sent);
  error_code sync_socket();
  error_code lost();
  diagnostics client_diagnostics() const;
  op_result failure_from(struct pg_result* res);

  executor_type strand_;
  asio::posix::stream_descriptor socket_;
  pg_conn* conn_ = nullptr;
  std::unordered_set<std::string> prepared_;
  std::chrono::steady_clock::time_point created_at_;
  bool broken_ = false;
  bool cancelled_ = false;
};

}  // namespace mink::persistence::detail

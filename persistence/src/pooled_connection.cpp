#include <mink/persistence/pooled_connection.hpp>

#include "pg_connection.hpp"
#include "pool_core.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <boost/asio/system_executor.hpp>

namespace mink::persistence {

using boost::system::error_code;
using detail::pg_connection;

pooled_connection::pooled_connection() noexcept = default;

pooled_connection::pooled_connection(std::shared_ptr<detail::pool_core> pool,
                                     std::unique_ptr<detail::pg_connection> conn) noexcept
    : pool_(std::move(pool)), conn_(std::move(conn)) {}

pooled_connection::pooled_connection(pooled_connection&&) noexcept = default;

pooled_connection& pooled_connection::operator=(pooled_connection&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

pooled_connection::~pooled_connection() { release(); }

void pooled_connection::release() noexcept {
  if (!conn_) return;
  auto pool = std::move(pool_);
  pg_connection* conn = conn_.get();
  // An operation in flight keeps running; park ownership so that it returns the connection.
  conn->orphan_pool = pool;
  conn->orphan = std::move(conn_);
  int expected = pg_connection::lease_busy;
  if (conn->lease_state.compare_exchange_strong(expected, pg_connection::lease_orphaned, std::memory_order_acq_rel)) {
    return;
  }
  auto owned = std::move(conn->orphan);
  conn->orphan_pool.reset();
  pool->give_back(std::move(owned));
}

int pooled_connection::backend_pid() const noexcept { return conn_ ? conn_->backend_pid() : 0; }

bool pooled_connection::in_transaction() const noexcept {
  if (!conn_) return false;
  const auto tx = conn_->transaction();
  return tx == detail::transaction_state::in_transaction || tx == detail::transaction_state::in_error;
}

namespace {

// Marks the connection busy for one operation; false if another is running.
bool begin_operation(pg_connection& conn) {
  int expected = pg_connection::lease_idle;
  return conn.lease_state.compare_exchange_strong(expected, pg_connection::lease_busy, std::memory_order_acq_rel);
}

// Ends the operation; returns the connection to the pool if its handle was released meanwhile.
void end_operation(pg_connection& conn) {
  int expected = pg_connection::lease_busy;
  if (conn.lease_state.compare_exchange_strong(expected, pg_connection::lease_idle, std::memory_order_acq_rel)) {
    return;
  }
  auto pool = std::move(conn.orphan_pool);
  auto owned = std::move(conn.orphan);
  owned->lease_state.store(pg_connection::lease_idle, std::memory_order_release);
  pool->give_back(std::move(owned));
}

// Starts `op(conn)` on the leased connection, or completes at once with why it cannot start.
template <class Op, class... Values>
void launch(pg_connection* conn, const std::shared_ptr<detail::pool_core>& pool,
            boost::asio::any_completion_handler<void(error_code, Values...)> handler, Op op) {
  if (!conn || !begin_operation(*conn)) {
    const error_code why = conn ? error_code(errc::operation_in_progress) : error_code(errc::not_leased);
    const auto ex = pool ? pool->executor() : boost::asio::any_io_executor(boost::asio::system_executor());
    detail::post_completion(ex, std::move(handler), why, Values{}...);
    return;
  }
  detail::spawn_op(
      conn->executor(),
      [conn, op = std::move(op)]() -> boost::asio::awaitable<std::tuple<error_code, Values...>> {
        auto r = co_await op(*conn);
        end_operation(*conn);
        co_return r;
      },
      std::move(handler));
}

using query_tuple = std::tuple<error_code, query_result>;

}  // namespace

void pooled_connection::start_query(std::string sql, query_params params, query_handler handler) {
  launch(conn_.get(), pool_, std::move(handler),
         [sql = std::move(sql), params = std::move(params)](pg_connection& c) -> boost::asio::awaitable<query_tuple> {
           auto r = co_await c.query(sql, params);
           co_return query_tuple{r.ec, std::move(r.result)};
         });
}

void pooled_connection::start_execute(statement stmt, query_params params, query_handler handler) {
  launch(conn_.get(), pool_, std::move(handler),
         [stmt = std::move(stmt), params = std::move(params)](pg_connection& c) -> boost::asio::awaitable<query_tuple> {
           auto r = co_await c.execute(stmt.name(), stmt.sql(), params);
           co_return query_tuple{r.ec, std::move(r.result)};
         });
}

void pooled_connection::start_script(std::string sql, query_handler handler) {
  launch(conn_.get(), pool_, std::move(handler), [sql = std::move(sql)](pg_connection& c) -> boost::asio::awaitable<query_tuple> {
    auto r = co_await c.script(sql);
    co_return query_tuple{r.ec, std::move(r.result)};
  });
}

void pooled_connection::start_pipeline(pipeline batch, pipeline_handler handler) {
  using pipeline_tuple = std::tuple<error_code, std::vector<query_result>>;
  launch(conn_.get(), pool_, std::move(handler),
         [batch = std::move(batch)](pg_connection& c) -> boost::asio::awaitable<pipeline_tuple> {
           auto r = co_await c.run_pipeline(batch);
           co_return pipeline_tuple{r.ec, std::move(r.results)};
         });
}

void pooled_connection::start_control(const char* sql, control_handler handler) {
  launch(conn_.get(), pool_, std::move(handler), [sql](pg_connection& c) -> boost::asio::awaitable<std::tuple<error_code>> {
    auto r = co_await c.query(sql, {});
    co_return std::tuple<error_code>{r.ec};
  });
}

}  // namespace mink::persistence

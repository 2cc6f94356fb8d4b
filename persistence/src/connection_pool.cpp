#include <mink/persistence/connection_pool.hpp>

#include "pool_core.hpp"
#include <mink/persistence/detail/spawn_op.hpp>

#include <boost/asio/dispatch.hpp>

namespace mink::persistence {

using boost::system::error_code;
namespace asio = boost::asio;

connection_pool::connection_pool(executor_type ex, pool_params params)
    : core_(std::make_shared<detail::pool_core>(std::move(ex), std::move(params))) {}

connection_pool::~connection_pool() { core_->cancel(); }

connection_pool::executor_type connection_pool::get_executor() const noexcept { return core_->executor(); }

const pool_params& connection_pool::params() const noexcept { return core_->params(); }

void connection_pool::cancel() { core_->cancel(); }

pool_stats connection_pool::stats() const { return core_->stats(); }

void connection_pool::start_run(run_handler handler) {
  detail::spawn_op(
      core_->run_strand(),
      [core = core_]() -> asio::awaitable<std::tuple<error_code>> { co_return std::tuple{co_await core->run()}; },
      std::move(handler));
}

void connection_pool::start_acquire(acquire_handler handler) { core_->acquire(std::move(handler)); }

namespace {

// Runs `run(conn)` on a pooled connection, on that connection's strand, then returns it.
template <class Run>
void run_on(const std::shared_ptr<detail::pool_core>& core, std::unique_ptr<detail::pg_connection> conn, Run run,
            asio::any_completion_handler<void(error_code, query_result)> handler) {
  using result_t = std::tuple<error_code, query_result>;
  auto* c = conn.get();
  detail::spawn_op(
      c->executor(),
      [core, conn = std::move(conn), run = std::move(run)]() mutable -> asio::awaitable<result_t> {
        auto r = co_await run(*conn);
        core->give_back(std::move(conn));
        co_return result_t{r.ec, std::move(r.result)};
      },
      std::move(handler));
}

// Acquires (straight away when a connection is idle, else through the queue) and runs `run`.
template <class Run>
void with_connection(const std::shared_ptr<detail::pool_core>& core, Run run,
                     asio::any_completion_handler<void(error_code, query_result)> handler) {
  if (auto conn = core->try_acquire_now()) {
    run_on(core, std::move(conn), std::move(run), std::move(handler));
    return;
  }
  core->acquire([core, run = std::move(run), h = std::move(handler)](error_code ec, pooled_connection handle) mutable {
    if (ec) {
      const auto handler_ex = asio::get_associated_executor(h, core->executor());
      asio::dispatch(handler_ex, [h = std::move(h), ec]() mutable { std::move(h)(ec, query_result()); });
      return;
    }
    run_on(core, detail::handle_access::take(handle), std::move(run), std::move(h));
  });
}

}  // namespace

void connection_pool::start_query(std::string sql, query_params params, query_handler handler) {
  with_connection(
      core_,
      [sql = std::move(sql), params = std::move(params)](detail::pg_connection& c) { return c.query(sql, params); },
      std::move(handler));
}

void connection_pool::start_execute(statement stmt, query_params params, query_handler handler) {
  with_connection(
      core_,
      [stmt = std::move(stmt), params = std::move(params)](detail::pg_connection& c) {
        return c.execute(stmt.name(), stmt.sql(), params);
      },
      std::move(handler));
}

}  // namespace mink::persistence

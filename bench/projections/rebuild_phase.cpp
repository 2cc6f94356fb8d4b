// A projection rebuild through mink: projection_runner, sql_projection, shadow table and swap.
#include "proj_phases.hpp"

#include "bench_support.hpp"
#include "pg_sync.hpp"
#include "pool_run.hpp"

#include <ecommerce/read_model/order_summary_projection.hpp>

#include <mink/actors/projection_runner.hpp>
#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_checkpoint_store.hpp>
#include <mink/persistence/pg_event_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace mink::bench {

namespace {

namespace asio = boost::asio;
namespace mp = mink::persistence;
using boost::system::error_code;

// The log's last event, as a checkpoint position.
log_position log_head(const std::string& conninfo) {
  auto conn = connect(conninfo, "head");
  auto res = exec_checked(conn.get(),
                          "SELECT transaction_id::text AS tx_text, global_position FROM mink_events ORDER BY transaction_id DESC, "
                          "global_position DESC LIMIT 1",
                          PGRES_TUPLES_OK, "head");
  if (PQntuples(res.get()) == 0) return {};
  return {std::stoull(PQgetvalue(res.get(), 0, 0)), std::stoll(PQgetvalue(res.get(), 0, 1))};
}

}  // namespace

replay_figures run_projection_rebuild(const std::string& conninfo, const std::string& table, std::size_t batch) {
  recreate_summary_table(conninfo, table);
  const std::string name = "bench_" + table;
  const log_position head = log_head(conninfo);

  replay_figures f;
  run_with_pool(conninfo, 4, "rebuild", [&](mp::connection_pool& pool) -> asio::awaitable<std::string> {
    constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
    mp::pg_event_store events(pool);
    auto projection = ecommerce::make_order_summary_projection(pool, table, name);
    actors::projection_runner_params rp;
    rp.batch_size = batch;
    actors::projection_runner runner(co_await asio::this_coro::executor, events, rp);
    if (auto ec = runner.add(*projection)) co_return "add: " + ec.message();
    // The live model "caught up" with an empty table: only the rebuild replays the log.
    mp::pg_checkpoint_store checkpoints(pool);
    mp::checkpoint at_head;
    at_head.projection = name;
    at_head.position = head;
    auto [save_ec] = co_await checkpoints.async_save(at_head, tuple_awaitable);
    if (save_ec) co_return "saving the checkpoint: " + save_ec.message();

    bool run_done = false;
    runner.async_run([&](error_code) { run_done = true; });
    std::string failure;
    const auto started = clock::now();
    if (auto ec = runner.start_rebuild(name)) {
      failure = "start_rebuild: " + ec.message();
    } else {
      // Rebuilding until the swap has committed (then it runs live again); at most ten minutes.
      bool seen_rebuilding = false;
      auto swapped = [&] {
        auto s = runner.status(name);
        if (!s || s->fault) {
          failure = s ? "faulted: " + s->fault->message : "no status";
          return true;
        }
        if (s->state == actors::projection_state::rebuilding) seen_rebuilding = true;
        return seen_rebuilding && s->state == actors::projection_state::running;
      };
      if (!co_await poll_until(swapped, std::chrono::minutes(10))) failure = "did not finish in ten minutes";
      f.seconds = std::chrono::duration<double>(clock::now() - started).count();
    }
    runner.cancel();
    co_await poll_until([&] { return run_done; }, std::chrono::minutes(1));
    co_return failure;
  });

  auto conn = connect(conninfo, "rebuild count");
  auto count = exec_checked(conn.get(), ("SELECT count(*) FROM " + table).c_str(), PGRES_TUPLES_OK, "rebuild count");
  f.rows = std::stoll(PQgetvalue(count.get(), 0, 0));
  auto events_count = exec_checked(conn.get(), "SELECT count(*) FROM mink_events", PGRES_TUPLES_OK, "rebuild count");
  f.events = std::stoll(PQgetvalue(events_count.get(), 0, 0));
  return f;
}

}  // namespace mink::bench

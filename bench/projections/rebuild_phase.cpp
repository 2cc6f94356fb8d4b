// A projection rebuild through mink: projection_runner, sql_projection, shadow table and swap.
#include "proj_phases.hpp"

#include "bench_support.hpp"
#include "pg_sync.hpp"

#include <ecommerce/read_model/order_summary_projection.hpp>

#include <mink/actors/projection_runner.hpp>
#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_checkpoint_store.hpp>
#include <mink/persistence/pg_event_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
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

  asio::io_context ioc;
  mp::pool_params pp;
  pp.connection_string = conninfo;
  pp.max_size = 4;
  mp::connection_pool pool(ioc.get_executor(), pp);
  pool.async_run([](error_code) {});
  mp::pg_event_store events(pool);
  auto projection = ecommerce::make_order_summary_projection(pool, table, name);
  actors::projection_runner_params rp;
  rp.batch_size = batch;
  actors::projection_runner runner(ioc.get_executor(), events, rp);
  if (auto ec = runner.add(*projection)) throw std::runtime_error("rebuild: add: " + ec.message());

  replay_figures f;
  std::string failure;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
        // The live model "caught up" with an empty table: only the rebuild replays the log.
        mp::pg_checkpoint_store checkpoints(pool);
        mp::checkpoint at_head;
        at_head.projection = name;
        at_head.position = head;
        auto [save_ec] = co_await checkpoints.async_save(at_head, tuple_awaitable);
        if (save_ec) {
          failure = "saving the checkpoint: " + save_ec.message();
          co_return;
        }
        bool run_done = false;
        runner.async_run([&](error_code) { run_done = true; });
        asio::steady_timer tick(ioc);
        const auto started = clock::now();
        if (auto ec = runner.start_rebuild(name)) {
          failure = "start_rebuild: " + ec.message();
        } else {
          // Rebuilding until the swap; bounded by ten minutes.
          bool seen_rebuilding = false;
          for (int i = 0; i < 60'000; ++i) {
            tick.expires_after(std::chrono::milliseconds(10));
            co_await tick.async_wait(tuple_awaitable);
            auto s = runner.status(name);
            if (!s || s->fault) {
              failure = s ? "faulted: " + s->fault->message : "no status";
              break;
            }
            if (s->state == actors::projection_state::rebuilding) seen_rebuilding = true;
            if (seen_rebuilding && s->state == actors::projection_state::running) break;
          }
          f.seconds = std::chrono::duration<double>(clock::now() - started).count();
        }
        runner.cancel();
        while (!run_done) {
          tick.expires_after(std::chrono::milliseconds(10));
          co_await tick.async_wait(tuple_awaitable);
        }
        pool.cancel();
      },
      [&](std::exception_ptr e) {
        if (e) failure = "exception";
        pool.cancel();
      });
  ioc.run();
  if (!failure.empty()) throw std::runtime_error("rebuild: " + failure);

  auto conn = connect(conninfo, "rebuild count");
  auto count = exec_checked(conn.get(), ("SELECT count(*) FROM " + table).c_str(), PGRES_TUPLES_OK, "rebuild count");
  f.rows = std::stoll(PQgetvalue(count.get(), 0, 0));
  auto events_count = exec_checked(conn.get(), "SELECT count(*) FROM mink_events", PGRES_TUPLES_OK, "rebuild count");
  f.events = std::stoll(PQgetvalue(events_count.get(), 0, 0));
  return f;
}

}  // namespace mink::bench

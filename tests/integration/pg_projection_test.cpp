// sql_projection and projection_runner on PostgreSQL: exactly-once batches, faults on bad SQL,
// rebuild with a table swap while queries answer, inline projections written with the append.
#include "pg_store_harness.hpp"

#include <mink/actors/projection_runner.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/persistence/inline_projection_store.hpp>
#include <mink/persistence/sql_projection.hpp>

#include <boost/json/value.hpp>

#include <atomic>
#include <optional>
#include <random>

using namespace mink::test;
using namespace mink::persistence;
using mink::errc;
using mink::expected_version;
using mink::actors::projection_state;
using runner_type = mink::actors::projection_runner;

namespace {

std::string random_suffix() {
  static std::mt19937_64 rng(std::random_device{}());
  const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 10; ++i) s += hex[rng() % 16];
  return s;
}

/// A counting read model: one row per event (id = event id, n = data.n * factor), in a table and
/// with event types of its own so that other tests' rows and events do not interfere.
struct counts {
  std::string suffix = random_suffix();
  std::string table = "pgp_counts_" + suffix;
  std::string type = "PgpCounted" + suffix;
  std::int64_t factor = 1;
  std::optional<std::int64_t> bad_sql_at;    ///< This n writes a statement the server rejects.
  std::atomic<bool> shadow_fails{false};     ///< The rebuild's handler fails while set.
  sql_projection proj;

  explicit counts(connection_pool& pool)
      : proj(pool, sql_projection_params{"pgp-" + suffix, "pgp_counts_" + suffix,
                                         "CREATE TABLE IF NOT EXISTS {table} (id text PRIMARY KEY, n bigint NOT NULL);"
                                         "CREATE INDEX IF NOT EXISTS {table}_by_n ON {table} (n);"}) {
    proj.on(type, [this](const mink::recorded_event& e, sql_writer& w) -> error_code {
      const auto n = e.data.as_object().at("n").as_int64();
      if (shadow_fails && w.table() != table) return errc::invalid_event_data;
      if (bad_sql_at && *bad_sql_at == n) {
        w.add("INSERT INTO " + w.table() + " (id, n) VALUES ($1, $2)", query_params(e.event_id, "not a number"));
        return {};
      }
      w.add("INSERT INTO " + w.table() + " (id, n) VALUES ($1, $2)", query_params(e.event_id, n * factor));
      return {};
    });
  }

  asio::awaitable<std::vector<std::int64_t>> rows(connection_pool& pool) {
    auto r = co_await admin_query(pool, "SELECT n FROM " + table + " ORDER BY n");
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < r.rows(); ++i) out.push_back(r.get<std::int64_t>(i, 0).value());
    co_return out;
  }
};

asio::awaitable<append_result> append_counted(event_store& store, const std::string& stream, const std::string& type,
                                              std::int64_t from, std::int64_t to) {
  std::vector<mink::event_data> events;
  for (auto n = from; n <= to; ++n) {
    mink::event_data e;
    e.type = type;
    e.data = boost::json::value{{"n", n}};
    events.push_back(std::move(e));
  }
  auto [ec, r] = co_await store.async_append(stream, expected_version::any(), std::move(events), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, ec.message());
  co_return r;
}

asio::awaitable<void> until(pool_fixture& f, std::function<bool()> done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "condition not reached in time");
    co_await f.sleep(5ms);
  }
}

mink::actors::projection_runner_params fast() {
  mink::actors::projection_runner_params p;
  p.poll_interval = 20ms;
  p.retry_initial = 2ms;
  p.retry_max = 10ms;
  p.max_attempts = 2;
  return p;
}

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to, std::int64_t f = 1) {
  std::vector<std::int64_t> out;
  for (auto n = from; n <= to; ++n) out.push_back(n * f);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pg_projection)

BOOST_FIXTURE_TEST_CASE(a_batch_and_its_checkpoint_commit_together, pg_store_harness) {
  counts model(fixture.pool);
  run([&]() -> asio::awaitable<void> {
    auto [pe] = co_await model.proj.async_prepare(tuple_awaitable);
    BOOST_REQUIRE(!pe);
    const auto stream = unique_stream("Pgp");
    co_await append_counted(store(), stream, model.type, 1, 3);
    auto [re, events] = co_await store().async_read_stream(stream, 1, 10, read_direction::forward, tuple_awaitable);
    BOOST_REQUIRE(!re);
    BOOST_REQUIRE_EQUAL(events.size(), 3u);

    // The second event's statement fails: no row and no checkpoint are kept.
    model.bad_sql_at = 2;
    checkpoint cp;
    cp.projection = model.proj.name();
    cp.position = events.back().log();
    auto [e1, r1] = co_await model.proj.async_apply(projection_target::live, events, cp, tuple_awaitable);
    BOOST_TEST(!!e1);
    BOOST_TEST(r1.failed_index == 1u);
    BOOST_TEST(!r1.message.empty());
    BOOST_TEST((co_await model.rows(fixture.pool)).empty());
    auto [l1, saved1] = co_await model.proj.async_load_checkpoint(tuple_awaitable);
    BOOST_TEST(!l1);
    BOOST_TEST(!saved1.has_value());

    model.bad_sql_at.reset();
    auto [e2, r2] = co_await model.proj.async_apply(projection_target::live, events, cp, tuple_awaitable);
    BOOST_TEST(!e2);
    BOOST_TEST(co_await model.rows(fixture.pool) == range(1, 3), boost::test_tools::per_element());
    auto [l2, saved2] = co_await model.proj.async_load_checkpoint(tuple_awaitable);
    BOOST_TEST(!l2);
    BOOST_REQUIRE(saved2.has_value());
    BOOST_TEST((saved2->position == events.back().log()));
  });
}

BOOST_FIXTURE_TEST_CASE(runner_catches_up_faults_on_bad_sql_and_resumes, pg_store_harness) {
  counts model(fixture.pool);
  model.bad_sql_at = 3;
  runner_type runner(fixture.ioc.get_executor(), store(), fast());
  BOOST_REQUIRE(!runner.add(model.proj));
  bool finished = false;
  runner.async_run([&](error_code) { finished = true; });
  run([&]() -> asio::awaitable<void> {
    const auto stream = unique_stream("Pgp");
    const auto appended = co_await append_counted(store(), stream, model.type, 1, 5);
    runner.wake();
    co_await until(fixture, [&] { return runner.status(model.proj.name())->state == projection_state::faulted; });
    const auto s = runner.status(model.proj.name());
    BOOST_REQUIRE(s->fault.has_value());
    BOOST_TEST(s->fault->position == appended.positions[2]);
    BOOST_TEST(s->fault->type == model.type);
    BOOST_TEST(s->fault->attempts == 2u);
    BOOST_TEST(!s->fault->message.empty());
    BOOST_TEST(co_await model.rows(fixture.pool) == range(1, 2), boost::test_tools::per_element());

    model.bad_sql_at.reset();
    BOOST_TEST(!runner.resume(model.proj.name()));
    auto [we] = co_await runner.async_wait_for(model.proj.name(), appended.positions.back(), 20s, tuple_awaitable);
    BOOST_TEST(!we);
    BOOST_TEST(co_await model.rows(fixture.pool) == range(1, 5), boost::test_tools::per_element());
    runner.cancel();
    co_await until(fixture, [&] { return finished; });
  });
}

BOOST_FIXTURE_TEST_CASE(rebuild_swaps_tables_while_queries_answer, pg_store_harness) {
  counts model(fixture.pool);
  auto params = fast();
  params.max_attempts = 100000;  // the shadow's failures below are retried, not faulted
  params.batch_size = 2;
  runner_type runner(fixture.ioc.get_executor(), store(), params);
  BOOST_REQUIRE(!runner.add(model.proj));
  bool finished = false;
  runner.async_run([&](error_code) { finished = true; });
  run([&]() -> asio::awaitable<void> {
    const auto stream = unique_stream("Pgp");
    auto appended = co_await append_counted(store(), stream, model.type, 1, 5);
    auto [w1] = co_await runner.async_wait_for(model.proj.name(), appended.positions.back(), 20s, tuple_awaitable);
    BOOST_REQUIRE(!w1);

    for (int round = 1; round <= 2; ++round) {  // twice: the swapped-in indexes must not collide
      model.factor = round * 10;
      model.shadow_fails = true;  // holds the rebuild on its first event
      BOOST_TEST(!runner.start_rebuild(model.proj.name()));
      co_await until(fixture, [&] { return runner.status(model.proj.name())->state == projection_state::rebuilding; });
      co_await fixture.sleep(50ms);
      const auto s = runner.status(model.proj.name());
      BOOST_TEST((s->state == projection_state::rebuilding));
      BOOST_REQUIRE(s->rebuild_position.has_value());
      BOOST_TEST(*s->rebuild_position == 0);
      // The live table keeps answering.
      BOOST_TEST((co_await model.rows(fixture.pool)).size() == 5u);

      model.shadow_fails = false;
      co_await until(fixture, [&] { return runner.status(model.proj.name())->state == projection_state::running; });
      BOOST_TEST(co_await model.rows(fixture.pool) == range(1, 5, round * 10), boost::test_tools::per_element());
      auto idx = co_await admin_query(fixture.pool, "SELECT count(*) FROM pg_indexes WHERE tablename = $1 AND indexname = $2",
                                      query_params(model.table, model.table + "_by_n"));
      BOOST_TEST(idx.get<std::int64_t>(0, 0).value() == 1);
    }
    // The swapped-in table carries on from its checkpoint.
    appended = co_await append_counted(store(), stream, model.type, 6, 6);
    runner.wake();
    auto [w2] = co_await runner.async_wait_for(model.proj.name(), appended.positions.back(), 20s, tuple_awaitable);
    BOOST_TEST(!w2);
    BOOST_TEST(co_await model.rows(fixture.pool) == range(1, 6, 20), boost::test_tools::per_element());
    runner.cancel();
    co_await until(fixture, [&] { return finished; });
  });
}

BOOST_FIXTURE_TEST_CASE(inline_projection_writes_in_the_append_transaction, pg_store_harness) {
  counts model(fixture.pool);
  inline_projection_store inline_store(fixture.pool, pg_store());
  inline_store.add(model.proj);
  run([&]() -> asio::awaitable<void> {
    auto [pe] = co_await model.proj.async_prepare(tuple_awaitable);
    BOOST_REQUIRE(!pe);
    const auto stream = unique_stream("Pgp");
    const auto appended = co_await append_counted(inline_store, stream, model.type, 1, 2);
    BOOST_TEST(appended.positions.size() == 2u);
    // Visible as soon as the append completes: no runner involved.
    BOOST_TEST(co_await model.rows(fixture.pool) == range(1, 2), boost::test_tools::per_element());

    // A failing statement fails the append: neither the events nor the rows are kept.
    model.bad_sql_at = 3;
    std::vector<mink::event_data> bad(1);
    bad[0].type = model.type;
    bad[0].data = boost::json::value{{"n", 3}};
    auto [ec, r] = co_await inline_store.async_append(stream, expected_version::any(), std::move(bad), tuple_awaitable);
    BOOST_TEST(!!ec);
    auto [ie, info] = co_await store().async_stream_info(stream, tuple_awaitable);
    BOOST_TEST(!ie);
    BOOST_TEST(info.version == 2u);
    BOOST_TEST(co_await model.rows(fixture.pool) == range(1, 2), boost::test_tools::per_element());
  });
}

// The snippet of docs/projections.md ("Writing a projection"), compiled and run.
BOOST_FIXTURE_TEST_CASE(documented_example, pg_store_harness) {
  auto& pool = fixture.pool;
  auto& io = fixture.ioc;
  auto& store = pg_store();
  bool stopped = false;
  auto on_done = [&](error_code) { stopped = true; };
  const auto type = "PgpOrderCreated" + random_suffix();
  // --- from the docs (the event type made unique to this run) ---
  mink::persistence::sql_projection summaries(pool, {
      .name = "order-summary-" + random_suffix(),
      .table = "order_summary_" + random_suffix(),
      .create_table_sql = "CREATE TABLE IF NOT EXISTS {table} (order_id text PRIMARY KEY, items int NOT NULL);"
                          "CREATE INDEX IF NOT EXISTS {table}_by_items ON {table} (items);"});
  summaries.on(type, [](const mink::recorded_event& e, mink::persistence::sql_writer& w) {
    w.add("INSERT INTO " + w.table() + " (order_id, items) VALUES ($1, 0) ON CONFLICT DO NOTHING",
          mink::persistence::query_params(e.stream_id));
    return boost::system::error_code{};
  });
  mink::actors::projection_runner runner(io.get_executor(), store);
  runner.add(summaries);
  runner.async_run(on_done);  // and listener notifications -> runner.wake()
  // ---
  run([&]() -> asio::awaitable<void> {
    const auto stream = unique_stream("Order");
    const auto appended = co_await append_counted(store, stream, type, 1, 1);
    runner.wake();
    auto [ec] = co_await runner.async_wait_for(summaries.name(), appended.positions.back(), 20s, tuple_awaitable);
    BOOST_TEST(!ec);
    auto r = co_await admin_query(pool, "SELECT order_id FROM " + summaries.table());
    BOOST_REQUIRE_EQUAL(r.rows(), 1u);
    BOOST_TEST(std::string(r.text(0, 0)) == stream);
    runner.cancel();
    co_await until(fixture, [&] { return stopped; });
  });
}

BOOST_AUTO_TEST_SUITE_END()

// What only the PostgreSQL store can show: migrations, the global log's commit-order guarantee,
// many writers on one stream, coalesced appends with their own outcomes.
#include "pg_store_harness.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/json.hpp>

#include <set>

using namespace mink::test;
using namespace mink::persistence;
using mink::errc;
using mink::event_data;
using mink::expected_version;
using mink::log_position;
using mink::persistence::checkpoint;

namespace {

std::vector<event_data> one_event(const std::string& type) {
  std::vector<event_data> v(1);
  v[0].type = type;
  v[0].data = boost::json::object{};
  return v;
}

// One mink_append_batch request, built outside coroutines: GCC 12 miscompiles initializer lists
// inside coroutine bodies.
std::string append_request_json(const std::string& stream, const std::string& category, const std::string& id) {
  boost::json::array request{boost::json::object{
      {"s", stream}, {"c", category}, {"k", 0}, {"v", 0},
      {"e", boost::json::array{boost::json::object{
                {"id", id}, {"t", "Held"}, {"d", boost::json::object{}}, {"m", boost::json::object{}}}}}}};
  return boost::json::serialize(request);
}

std::string unique_category() {
  std::string id = mink::new_uuid();
  std::erase(id, '-');
  return "Log" + id.substr(0, 16);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pg_event_log)

BOOST_AUTO_TEST_CASE(migrations_apply_once_even_when_run_concurrently) {
  ensure_schema();
  pool_fixture a(default_pool_params(2)), b(default_pool_params(2));
  std::optional<std::tuple<error_code, int>> ra, rb;
  async_migrate(a.pool, [&](error_code ec, int v) { ra.emplace(ec, v); });
  async_migrate(b.pool, [&](error_code ec, int v) { rb.emplace(ec, v); });
  a.run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < 1000 && !(ra && rb); ++i) {
      co_await a.sleep(10ms);
      b.ioc.poll();
    }
    co_return;
  });
  BOOST_REQUIRE(ra && rb);
  BOOST_TEST(!std::get<0>(*ra));
  BOOST_TEST(!std::get<0>(*rb));
  BOOST_TEST(std::get<1>(*ra) == latest_schema_version());
  a.run([&]() -> asio::awaitable<void> {
    auto r = co_await admin_query(a.pool, "SELECT count(*), max(version) FROM mink_schema_migrations");
    BOOST_TEST(r.get<std::int64_t>(0, 0).value() == latest_schema_version());
  });
}

BOOST_AUTO_TEST_CASE(a_newer_schema_is_refused) {
  if (!server().embedded()) return;  // needs a database of its own
  pool_fixture admin(default_pool_params(1));
  admin.run([&]() -> asio::awaitable<void> {
    co_await admin.pool.async_query("DROP DATABASE IF EXISTS mink_newer_schema", {}, tuple_awaitable);
    co_await admin_query(admin.pool, "CREATE DATABASE mink_newer_schema");
  });
  pool_params p = default_pool_params(1);
  p.connection_string = server().postgres().connection_string("mink_newer_schema");
  pool_fixture f(p);
  f.run([&]() -> asio::awaitable<void> {
    auto [e1, v1] = co_await async_migrate(f.pool, tuple_awaitable);
    BOOST_REQUIRE(!e1);
    co_await admin_query(f.pool, "INSERT INTO mink_schema_migrations (version, name) VALUES (999, 'from the future')");
    auto [e2, v2] = co_await async_migrate(f.pool, tuple_awaitable);
    BOOST_TEST(e2 == error_code(errc::schema_too_new));
    BOOST_TEST(v2 == 999);
    auto r = co_await admin_query(f.pool, "SELECT count(*) FROM mink_schema_migrations");
    BOOST_TEST(r.get<std::int64_t>(0, 0).value() == latest_schema_version() + 1);  // nothing changed
  });
}

// Transaction A appends (getting the earlier position) and stays open while B appends later and
// commits. A reader of the log must not return B until A's fate is known, must then return A
// exactly once if it commits, and move past it if it rolls back.
BOOST_AUTO_TEST_CASE(the_global_log_never_skips_an_event_committed_late) {
  pg_store_harness h;
  const std::string category = unique_category();
  const read_all_filter only_ours{{}, {category}};
  h.run([&]() -> asio::awaitable<void> {
    log_position cursor = log_position::start();
    std::vector<std::string> expected_ids, read_ids;
    for (int i = 0; i < 200; ++i) {
      auto [e0, held] = co_await h.fixture.pool.async_acquire(tuple_awaitable);
      BOOST_REQUIRE(!e0);
      const std::string a_stream = category + "-a" + std::to_string(i);
      const std::string a_id = mink::new_uuid();
      query_params params(append_request_json(a_stream, category, a_id));
      co_await held.async_begin(tuple_awaitable);
      auto [ea, ra] = co_await held.async_query("SELECT o_status, o_positions::text FROM mink_append_batch($1::jsonb)",
                                                std::move(params), tuple_awaitable);
      BOOST_REQUIRE_MESSAGE(!ea, ea.message() << " " << ra.diag().message);

      auto [eb, rb] = co_await h.store().async_append(category + "-b" + std::to_string(i), expected_version::any(),
                                                      one_event("Later"), tuple_awaitable);
      BOOST_REQUIRE(!eb);

      auto [e1, while_open] = co_await h.store().async_read_all(cursor, 100, only_ours, tuple_awaitable);
      BOOST_REQUIRE(!e1);
      BOOST_TEST(while_open.events.empty(), "iteration " << i << ": B was returned while A was still open");
      cursor = while_open.next;

      const bool commit = i % 4 != 3;
      // Not a ?: of two awaitables: GCC 12 destroys the one it did not evaluate.
      if (commit) {
        co_await held.async_commit(tuple_awaitable);
      } else {
        co_await held.async_rollback(tuple_awaitable);
      }
      held.release();
      if (commit) expected_ids.push_back(a_id);
      auto [eread, rb_events] = co_await h.store().async_read_stream(category + "-b" + std::to_string(i), 1, 1,
                                                                     read_direction::forward, tuple_awaitable);
      BOOST_REQUIRE(!eread);
      expected_ids.push_back(rb_events.at(0).event_id);

      auto [e2, after] = co_await h.store().async_read_all(cursor, 100, only_ours, tuple_awaitable);
      BOOST_REQUIRE(!e2);
      BOOST_TEST(after.events.size() == (commit ? 2u : 1u), "iteration " << i);
      if (commit && after.events.size() == 2) {
        BOOST_TEST(after.events[0].event_id == a_id, "iteration " << i << ": " << after.events[0].type << "@"
                   << after.events[0].transaction_id << "/" << after.events[0].position << " then " << after.events[1].type
                   << "@" << after.events[1].transaction_id << "/" << after.events[1].position);
      }
      for (const auto& e : after.events) read_ids.push_back(e.event_id);
      cursor = after.next;
    }
    BOOST_TEST(read_ids == expected_ids);  // each committed event exactly once, in log order
  });
}

BOOST_AUTO_TEST_CASE(thirty_two_writers_on_one_stream) {
  pg_store_harness h;
  const std::string stream = h.unique_stream("Contended");
  int successes = 0, conflicts = 0, other = 0;
  std::string other_message;
  int done = 0;
  auto writer = [&]() -> asio::awaitable<void> {
    std::uint64_t known = 0;
    for (int mine = 0; mine < 200;) {
      auto [ec, r] = co_await h.store().async_append(stream, expected_version::exact(known), one_event("Tick"), tuple_awaitable);
      if (!ec) {
        ++mine;
        ++successes;
        known = r.version;
      } else if (ec == errc::wrong_expected_version && r.actual_version) {
        ++conflicts;
        known = *r.actual_version;
      } else {
        ++other;
        other_message = ec.message();
        break;
      }
    }
    ++done;
  };
  h.run([&]() -> asio::awaitable<void> {
    for (int w = 0; w < 32; ++w) asio::co_spawn(h.context(), writer(), asio::detached);
    while (done < 32) co_await h.fixture.sleep(20ms);
    auto [ec, events] = co_await h.store().async_read_stream(stream, 1, 100000, read_direction::forward, tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE_EQUAL(events.size(), 6400u);
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].version != i + 1) BOOST_FAIL("gap or duplicate at " << i);
    }
  });
  BOOST_TEST(successes == 6400);
  BOOST_TEST(other == 0, other_message);
  BOOST_TEST_MESSAGE("32 writers x 200 appends: " << successes << " appended, " << conflicts << " conflicts");
}

BOOST_AUTO_TEST_CASE(coalesced_appends_keep_their_own_outcomes) {
  pg_store_harness h;
  const std::string category = unique_category();
  int ok = 0, conflicts = 0, done = 0;
  std::set<std::uint64_t> transactions;
  h.run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < 256; ++i) {
      // Every 16th asks for version 5 of a new stream: only those may fail.
      const auto expected = i % 16 == 0 ? expected_version::exact(5) : expected_version::no_stream();
      h.store().async_append(category + "-" + std::to_string(i), expected, one_event("Placed"),
                             [&, i](error_code ec, append_result r) {
                               ++done;
                               if (!ec) {
                                 ++ok;
                                 transactions.insert(r.transaction_id);
                               } else if (ec == errc::wrong_expected_version && i % 16 == 0 && r.actual_version == 0u) {
                                 ++conflicts;
                               }
                             });
    }
    while (done < 256) co_await h.fixture.sleep(5ms);
  });
  BOOST_TEST(ok == 240);
  BOOST_TEST(conflicts == 16);
  BOOST_TEST(transactions.size() < 64u, transactions.size() << " transactions for 240 appends");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pg_unit_of_work)

// A projection's read-model change and its checkpoint commit together or not at all.
BOOST_AUTO_TEST_CASE(a_checkpoint_written_in_a_transaction_commits_or_rolls_back_with_it) {
  pg_store_harness h;
  const std::string name = h.unique_stream("Projection");
  h.run([&]() -> asio::awaitable<void> {
    co_await admin_query(h.fixture.pool, "CREATE TABLE IF NOT EXISTS uow_read_model (k text PRIMARY KEY, n int)");
    checkpoint first;
    first.projection = name;
    first.position = log_position{10, 100};
    auto [e0] = co_await h.checkpoints().async_save(first, tuple_awaitable);
    BOOST_REQUIRE(!e0);
    for (const bool commit : {false, true}) {
      auto [ea, tx] = co_await h.fixture.pool.async_acquire(tuple_awaitable);
      BOOST_REQUIRE(!ea);
      co_await tx.async_begin(tuple_awaitable);
      co_await tx.async_query("INSERT INTO uow_read_model VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = uow_read_model.n + 1",
                              query_params(name), tuple_awaitable);
      checkpoint next = first;
      next.position = log_position{11, 200};
      auto [es] = co_await h.pg_checkpoints().async_save_in(tx, next, tuple_awaitable);
      BOOST_REQUIRE(!es);
      if (commit) {
        co_await tx.async_commit(tuple_awaitable);
      } else {
        co_await tx.async_rollback(tuple_awaitable);
      }
      tx.release();
      auto [el, loaded] = co_await h.checkpoints().async_load(name, tuple_awaitable);
      BOOST_TEST(loaded->position.position == (commit ? 200 : 100));
      auto rm = co_await admin_query(h.fixture.pool, "SELECT count(*) FROM uow_read_model WHERE k = $1", query_params(name));
      BOOST_TEST(rm.get<std::int64_t>(0, 0).value() == (commit ? 1 : 0));
    }
  });
}

// A unit of work written on the caller's transaction commits or rolls back with the caller's own
// writes there (a read model): events, idempotency key and checkpoint alike.
BOOST_AUTO_TEST_CASE(a_unit_written_in_a_transaction_commits_or_rolls_back_with_it) {
  pg_store_harness h;
  const std::string stream = h.unique_stream("Order");
  const std::string name = h.unique_stream("Projection");
  const std::string key = h.unique_stream("Key");
  h.run([&]() -> asio::awaitable<void> {
    co_await admin_query(h.fixture.pool, "CREATE TABLE IF NOT EXISTS uow_read_model (k text PRIMARY KEY, n int)");
    for (const bool commit : {false, true}) {
      auto [ea, tx] = co_await h.fixture.pool.async_acquire(tuple_awaitable);
      BOOST_REQUIRE(!ea);
      co_await tx.async_begin(tuple_awaitable);
      co_await tx.async_query("INSERT INTO uow_read_model VALUES ($1, 1)", query_params(stream), tuple_awaitable);
      unit_of_work unit;
      append_options options;
      options.idempotency.emplace();
      options.idempotency->key = key;
      options.idempotency->fingerprint = "fp";
      checkpoint c;
      c.projection = name;
      c.position = log_position{3, 30};
      unit.append(stream, expected_version::no_stream(), one_event("Placed"), std::move(options)).save(c);
      auto [eu, r] = co_await h.pg_store().async_commit_in(tx, std::move(unit), tuple_awaitable);
      BOOST_REQUIRE_MESSAGE(!eu, eu.message());
      if (commit) {
        co_await tx.async_commit(tuple_awaitable);
      } else {
        co_await tx.async_rollback(tuple_awaitable);
      }
      tx.release();
      auto rm = co_await admin_query(h.fixture.pool, "SELECT count(*) FROM uow_read_model WHERE k = $1", query_params(stream));
      BOOST_TEST(rm.get<std::int64_t>(0, 0).value() == (commit ? 1 : 0));
      auto [ei, info] = co_await h.store().async_stream_info(stream, tuple_awaitable);
      BOOST_TEST((commit ? !ei : ei == errc::stream_not_found));
      auto [el, loaded] = co_await h.checkpoints().async_load(name, tuple_awaitable);
      BOOST_TEST(loaded.has_value() == commit);
      auto [ek, record] = co_await h.idempotency().async_find(key, tuple_awaitable);
      BOOST_TEST(record.has_value() == commit);
    }
  });
}

BOOST_AUTO_TEST_SUITE_END()

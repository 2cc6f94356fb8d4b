// What only the PostgreSQL saga stores can show: claimers on separate connections never share a
// deadline, deadlines outlive the store that scheduled them, and saga state, deadlines and claims
// commit or roll back with the caller's transaction.
#include "pg_store_harness.hpp"

#include "event_store_conformance_support.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/json.hpp>

#include <map>
#include <set>

using namespace mink::test;
using namespace mink::persistence;
using mink::errc;
using time_point = std::chrono::system_clock::time_point;

namespace {

constexpr bool rollback_then_commit[] = {false, true};

boost::json::value payload_of(std::size_t n) { return boost::json::object{{"n", n}}; }

saga_state make_saga(const std::string& id, const std::string& correlation) {
  saga_state s;
  s.saga_id = id;
  s.saga_type = "Fulfilment";
  s.correlation_id = correlation;
  s.status = saga_status::running;
  s.current_step = "payment";
  s.data = boost::json::object{{"order", correlation}};
  return s;
}

asio::awaitable<std::int64_t> schedule_ok(deadline_store& store, std::string saga, time_point due, std::size_t n) {
  auto [ec, id] = co_await store.async_schedule(saga, due, payload_of(n), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "schedule: " << ec.message());
  co_return id;
}

// Claims `max_count` at a time until a claim finds nothing; every id claimed, in order.
asio::awaitable<std::vector<std::int64_t>> claim_until_empty(deadline_store& store, time_point now,
                                                             std::size_t max_count) {
  std::vector<std::int64_t> ids;
  for (int round = 0; round < 100'000; ++round) {
    auto [ec, page] = co_await store.async_claim_due(now, max_count, tuple_awaitable);
    BOOST_REQUIRE_MESSAGE(!ec, "claim_due: " << ec.message());
    if (page.empty()) break;
    for (const auto& d : page) ids.push_back(d.deadline_id);
  }
  co_return ids;
}

// The claim on `tx` of everything due, which must include `id`.
asio::awaitable<bool> claim_in_finds(pg_deadline_store& store, pooled_connection& tx, time_point now, std::int64_t id) {
  auto [ec, page] = co_await store.async_claim_due_in(tx, now, 100'000, tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "claim_due_in: " << ec.message());
  for (const auto& d : page) {
    if (d.deadline_id == id) co_return true;
  }
  co_return false;
}

asio::awaitable<bool> claim_finds(deadline_store& store, time_point now, std::int64_t id) {
  const auto ids = co_await claim_until_empty(store, now, 1000);
  co_return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pg_saga_stores)

BOOST_AUTO_TEST_CASE(concurrent_claimers_take_disjoint_sets) {
  pg_store_harness h(default_pool_params(8));
  constexpr std::size_t deadline_count = 400;
  constexpr std::size_t claimers = 4;
  h.run([&]() -> asio::awaitable<void> {
    const auto now = std::chrono::system_clock::now();
    std::set<std::int64_t> mine;
    for (std::size_t i = 0; i < deadline_count; ++i) {
      // Many equal due times too, so that claimers contend for the same first rows.
      const auto due = now - std::chrono::minutes(10) + std::chrono::milliseconds(i % 16);
      mine.insert(co_await schedule_ok(h.deadlines(), h.unique_stream("Saga"), due, i));
    }
    // Each claim runs on a connection of its own: to the database, separate claimers (processes).
    std::vector<asio::awaitable<std::vector<std::int64_t>>> tasks;
    for (std::size_t c = 0; c < claimers; ++c) tasks.push_back(claim_until_empty(h.deadlines(), now, 7));
    const auto per_claimer = co_await conformance_support::when_all(std::move(tasks));

    std::map<std::int64_t, int> times_claimed;
    std::size_t claimers_that_got_some = 0;
    for (const auto& ids : per_claimer) {
      claimers_that_got_some += ids.empty() ? 0 : 1;
      for (auto id : ids) ++times_claimed[id];
    }
    std::size_t mine_claimed = 0;
    for (const auto& [id, n] : times_claimed) {
      BOOST_TEST(n == 1, "deadline " << id << " claimed " << n << " times");
      mine_claimed += mine.contains(id) ? 1 : 0;
    }
    BOOST_TEST(mine_claimed == deadline_count);  // the union is all of them
    BOOST_TEST(claimers_that_got_some >= 2u, "the claimers never ran side by side");
  });
}

BOOST_AUTO_TEST_CASE(deadlines_outlive_the_store_that_scheduled_them) {
  std::int64_t id = 0;
  const auto now = std::chrono::system_clock::now();
  {
    pg_store_harness first;
    first.run([&]() -> asio::awaitable<void> {
      id = co_await schedule_ok(first.deadlines(), first.unique_stream("Saga"), now - std::chrono::seconds(1), 1);
    });
  }
  // A new pool and store, as after a restart.
  pg_store_harness second;
  second.run([&]() -> asio::awaitable<void> {
    const bool found = co_await claim_finds(second.deadlines(), now, id);
    BOOST_TEST(found);
    const bool again = co_await claim_finds(second.deadlines(), now, id);
    BOOST_TEST(!again);
  });
}

// A saga's state and the deadline it schedules commit together or not at all.
BOOST_AUTO_TEST_CASE(saga_state_and_deadline_commit_with_the_transaction) {
  pg_store_harness h;
  h.run([&]() -> asio::awaitable<void> {
    const auto now = std::chrono::system_clock::now();
    for (const bool commit : rollback_then_commit) {
      const std::string id = h.unique_stream("Saga");
      auto [ea, tx] = co_await h.fixture.pool.async_acquire(tuple_awaitable);
      BOOST_REQUIRE(!ea);
      auto [eb] = co_await tx.async_begin(tuple_awaitable);
      BOOST_REQUIRE(!eb);
      auto [es, version] = co_await h.pg_sagas().async_save_in(tx, make_saga(id, "O-1"), 0, tuple_awaitable);
      BOOST_REQUIRE(!es);
      BOOST_TEST(version == 1u);
      // A conflict inside the transaction writes nothing and leaves the transaction usable.
      auto [ec2, v2] = co_await h.pg_sagas().async_save_in(tx, make_saga(id, "O-1"), 0, tuple_awaitable);
      BOOST_TEST(ec2 == make_error_code(errc::wrong_expected_version));
      auto [ed, deadline] =
          co_await h.pg_deadlines().async_schedule_in(tx, id, now - std::chrono::seconds(1), payload_of(1), tuple_awaitable);
      BOOST_REQUIRE(!ed);
      if (commit) {
        auto [ecommit] = co_await tx.async_commit(tuple_awaitable);
        BOOST_REQUIRE(!ecommit);
      } else {
        co_await tx.async_rollback(tuple_awaitable);
      }
      tx.release();
      auto [ef, found] = co_await h.sagas().async_find(id, tuple_awaitable);
      BOOST_TEST(!ef);
      BOOST_TEST(found.has_value() == commit);
      const bool claimed = co_await claim_finds(h.deadlines(), now, deadline);
      BOOST_TEST(claimed == commit);
    }
  });
}

// A claim made in a transaction that rolls back leaves the deadline due; until then, other
// claimers skip it.
BOOST_AUTO_TEST_CASE(a_claim_rolled_back_is_due_again) {
  pg_store_harness h;
  h.run([&]() -> asio::awaitable<void> {
    const auto now = std::chrono::system_clock::now();
    const std::string saga = h.unique_stream("Saga");
    const auto id = co_await schedule_ok(h.deadlines(), saga, now - std::chrono::seconds(1), 1);
    {
      auto [ea, tx] = co_await h.fixture.pool.async_acquire(tuple_awaitable);
      BOOST_REQUIRE(!ea);
      auto [eb] = co_await tx.async_begin(tuple_awaitable);
      BOOST_REQUIRE(!eb);
      const bool in_tx = co_await claim_in_finds(h.pg_deadlines(), tx, now, id);
      BOOST_TEST(in_tx);
      const bool elsewhere = co_await claim_finds(h.deadlines(), now, id);  // another connection
      BOOST_TEST(!elsewhere);
      co_await tx.async_rollback(tuple_awaitable);  // the claimer failed to act on it
    }
    const bool after_rollback = co_await claim_finds(h.deadlines(), now, id);
    BOOST_TEST(after_rollback);
  });
}

BOOST_AUTO_TEST_SUITE_END()

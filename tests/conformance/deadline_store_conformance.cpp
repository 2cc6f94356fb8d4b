// Conformance of deadline stores: a due deadline is claimed once, in due order, max_count at a
// time; a deadline not yet due is not; cancelling drops only unfired ones.
//
// The store may hold other tests' deadlines (PostgreSQL's is shared by the whole process), so
// these tests claim only with the real current time, which takes nothing from a test that still
// waits for a future deadline, and assert only about the ids they scheduled themselves.
#include "event_store_conformance_support.hpp"

#include <boost/json.hpp>

#include <set>

namespace mink::test::conformance {

using namespace conformance_support;
using persistence::saga_deadline;
using time_point = std::chrono::system_clock::time_point;
using namespace std::chrono_literals;

namespace {

time_point micros(time_point t) { return std::chrono::floor<std::chrono::microseconds>(t); }

bool claimed_before(const saga_deadline& a, const saga_deadline& b) {
  return std::tie(a.due_at, a.deadline_id) < std::tie(b.due_at, b.deadline_id);
}

// Built outside coroutines: GCC 12 miscompiles initializer lists inside coroutine bodies.
boost::json::value payload_of(int n) {
  return boost::json::object{{"step", "payment"}, {"n", n}, {"note", "h\xc3\xa9llo \xf0\x9f\x9a\x80"},
                             {"list", boost::json::array{1, "two", nullptr}}};
}

asio::awaitable<std::int64_t> schedule_ok(persistence::deadline_store& store, std::string saga_id, time_point due,
                                          boost::json::value payload) {
  auto [ec, id] = co_await store.async_schedule(saga_id, due, std::move(payload), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "schedule for " << saga_id << ": " << ec.message());
  BOOST_TEST(id > 0);
  co_return id;
}

// One claim, checked: no more than max_count, in claim order, no error.
asio::awaitable<std::vector<saga_deadline>> claim_page(persistence::deadline_store& store, time_point now,
                                                       std::size_t max_count) {
  auto [ec, page] = co_await store.async_claim_due(now, max_count, tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "claim_due: " << ec.message());
  BOOST_TEST(page.size() <= max_count);
  for (std::size_t i = 1; i < page.size(); ++i) {
    BOOST_TEST(!claimed_before(page[i], page[i - 1]), "claim not in due order at " << i);
  }
  co_return page;
}

// Claims until every deadline of `mine` came back or a claim finds nothing due; returns those of
// `mine` in the order claimed (others' due deadlines are claimed on the way and dropped).
asio::awaitable<std::vector<saga_deadline>> claim_mine(persistence::deadline_store& store,
                                                       const std::set<std::int64_t>& mine, time_point now,
                                                       std::size_t max_count) {
  std::vector<saga_deadline> got;
  for (int round = 0; round < 10'000 && got.size() < mine.size(); ++round) {
    auto page = co_await claim_page(store, now, max_count);
    if (page.empty()) break;
    for (auto& d : page) {
      if (mine.contains(d.deadline_id)) got.push_back(std::move(d));
    }
  }
  co_return got;
}

std::vector<std::int64_t> deadline_ids(const std::vector<saga_deadline>& ds) {
  std::vector<std::int64_t> ids;
  for (const auto& d : ds) ids.push_back(d.deadline_id);
  return ids;
}

std::set<std::int64_t> id_set(const std::vector<std::int64_t>& ids) { return std::set<std::int64_t>(ids.begin(), ids.end()); }

std::vector<std::int64_t> pick(const std::vector<std::int64_t>& ids, const std::vector<std::size_t>& order) {
  std::vector<std::int64_t> out;
  for (auto i : order) out.push_back(ids.at(i));
  return out;
}

// Due times of deadline_claim_order_and_max, in seconds after its base, scheduled in this order:
// claimed by due time, and the two at +2 s by id (scheduling order).
constexpr int order_offsets[] = {3, 1, 4, 0, 2, 2};
std::vector<std::size_t> expected_claim_order() { return std::vector<std::size_t>{3, 1, 4, 5, 0, 2}; }

}  // namespace

void deadline_claimed_once(store_harness& h) {
  const std::string saga = h.unique_stream("Saga");
  h.run([&]() -> asio::awaitable<void> {
    const auto before = std::chrono::system_clock::now() - 5s;
    const auto now = std::chrono::system_clock::now();
    const auto due1 = now - 1h + std::chrono::nanoseconds(123'456'789);  // kept to the microsecond
    const auto due2 = now - 30min;
    std::vector<std::int64_t> ids;
    ids.push_back(co_await schedule_ok(h.deadlines(), saga, due2, payload_of(2)));
    ids.push_back(co_await schedule_ok(h.deadlines(), saga, due1, payload_of(1)));
    ids.push_back(co_await schedule_ok(h.deadlines(), saga, now + 1h, payload_of(3)));  // not due
    BOOST_TEST(ids[0] < ids[1]);
    BOOST_TEST(ids[1] < ids[2]);

    const auto claimed = co_await claim_mine(h.deadlines(), id_set(ids), now, 100);
    BOOST_TEST_REQUIRE(claimed.size() == 2u);  // the one due in an hour stays
    BOOST_TEST(claimed[0].deadline_id == ids[1]);
    BOOST_TEST(claimed[0].saga_id == saga);
    BOOST_TEST((claimed[0].due_at == micros(due1)));
    BOOST_TEST((claimed[0].payload == payload_of(1)), boost::json::serialize(claimed[0].payload));
    BOOST_TEST((claimed[0].fired_at > before));
    BOOST_TEST(claimed[1].deadline_id == ids[0]);
    BOOST_TEST((claimed[1].due_at == micros(due2)));
    BOOST_TEST((claimed[1].payload == payload_of(2)), boost::json::serialize(claimed[1].payload));

    // Fired means fired: claiming again returns none of them.
    const auto again = co_await claim_mine(h.deadlines(), id_set(ids), now, 100);
    BOOST_TEST(again.empty());
    // The one not yet due is still there, unfired: cancelling finds it.
    auto [ec, cancelled] = co_await h.deadlines().async_cancel(saga, tuple_awaitable);
    BOOST_TEST(!ec);
    BOOST_TEST(cancelled == 1u);
  });
}

void deadline_claim_order_and_max(store_harness& h) {
  const std::string saga = h.unique_stream("Saga");
  h.run([&]() -> asio::awaitable<void> {
    const auto now = std::chrono::system_clock::now();
    const auto base = now - 2h;
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < std::size(order_offsets); ++i) {
      const auto due = base + std::chrono::seconds(order_offsets[i]);
      ids.push_back(co_await schedule_ok(h.deadlines(), saga, due, payload_of(static_cast<int>(i))));
    }
    const auto none = co_await claim_page(h.deadlines(), now, 0);
    BOOST_TEST(none.empty());

    // At least six are due: a claim of two returns exactly two.
    auto first = co_await claim_page(h.deadlines(), now, 2);
    BOOST_TEST(first.size() == 2u);
    std::vector<saga_deadline> mine;
    for (auto& d : first) {
      if (id_set(ids).contains(d.deadline_id)) mine.push_back(std::move(d));
    }
    std::set<std::int64_t> rest = id_set(ids);
    for (const auto& d : mine) rest.erase(d.deadline_id);
    auto later = co_await claim_mine(h.deadlines(), rest, now, 2);
    for (auto& d : later) mine.push_back(std::move(d));
    BOOST_TEST(deadline_ids(mine) == pick(ids, expected_claim_order()), boost::test_tools::per_element());
  });
}

void deadline_cancel(store_harness& h) {
  const std::string a = h.unique_stream("Saga");
  const std::string b = h.unique_stream("Saga");
  h.run([&]() -> asio::awaitable<void> {
    const auto now = std::chrono::system_clock::now();
    std::vector<std::int64_t> ids;
    ids.push_back(co_await schedule_ok(h.deadlines(), a, now - 1h, payload_of(1)));
    ids.push_back(co_await schedule_ok(h.deadlines(), a, now + 1h, payload_of(2)));
    ids.push_back(co_await schedule_ok(h.deadlines(), b, now - 1h, payload_of(3)));
    auto [e1, n1] = co_await h.deadlines().async_cancel(a, tuple_awaitable);
    BOOST_TEST(!e1);
    BOOST_TEST(n1 == 2u);  // due or not, both unfired

    const auto claimed = co_await claim_mine(h.deadlines(), id_set(ids), now, 100);
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(claimed[0].deadline_id == ids[2]);
    BOOST_TEST(claimed[0].saga_id == b);

    auto [e2, n2] = co_await h.deadlines().async_cancel(a, tuple_awaitable);
    BOOST_TEST(n2 == 0u);
    auto [e3, n3] = co_await h.deadlines().async_cancel(b, tuple_awaitable);  // already fired
    BOOST_TEST(!e3);
    BOOST_TEST(n3 == 0u);

    auto [e4, id4] = co_await h.deadlines().async_schedule("", now, payload_of(4), tuple_awaitable);
    BOOST_TEST(e4 == code(errc::empty_saga_id));
    auto [e5, n5] = co_await h.deadlines().async_cancel("", tuple_awaitable);
    BOOST_TEST(e5 == code(errc::empty_saga_id));
  });
}

void deadline_next_due(store_harness& h) {
  const std::string saga = h.unique_stream("Saga");
  h.run([&]() -> asio::awaitable<void> {
    const auto now = std::chrono::system_clock::now();
    // Earlier than anything another test schedules: the earliest unfired one is at most this.
    const auto long_ago = now - std::chrono::hours(24 * 365 * 20) + std::chrono::nanoseconds(999);
    const auto id = co_await schedule_ok(h.deadlines(), saga, long_ago, payload_of(1));
    auto [ec, next] = co_await h.deadlines().async_next_due(tuple_awaitable);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(next.has_value());
    BOOST_TEST((*next <= micros(long_ago)));

    std::set<std::int64_t> mine;
    mine.insert(id);
    const auto claimed = co_await claim_mine(h.deadlines(), mine, now, 100);
    BOOST_TEST(claimed.size() == 1u);
    // Fired deadlines no longer count (whatever else is scheduled is later than long_ago).
    auto [e2, after] = co_await h.deadlines().async_next_due(tuple_awaitable);
    BOOST_TEST(!e2);
    if (after) BOOST_TEST((*after > micros(long_ago)));
  });
}

}  // namespace mink::test::conformance

// Conformance of saga stores: every field round-trips, versions guard every save, lookups by
// correlation and counts by status agree.
#include "event_store_conformance_support.hpp"

#include <boost/json.hpp>

#include <limits>

namespace mink::test::conformance {

using namespace conformance_support;
using persistence::saga_state;
using persistence::saga_status;
using persistence::saga_step;
using persistence::step_status;
using time_point = std::chrono::system_clock::time_point;

namespace {

// Once current (another writer moved the saga on), and versions that never existed.
constexpr std::uint64_t stale_versions[] = {1, 3, 9};

time_point micros(time_point t) { return std::chrono::floor<std::chrono::microseconds>(t); }

// Built outside coroutines: GCC 12 miscompiles initializer lists inside coroutine bodies.
saga_step make_step(std::string name, step_status status, std::optional<time_point> started,
                    std::optional<time_point> finished, std::string error) {
  saga_step s;
  s.name = std::move(name);
  s.status = status;
  s.started_at = started;
  s.finished_at = finished;
  s.error = std::move(error);
  return s;
}

saga_state make_saga(const std::string& id, const std::string& type, const std::string& correlation,
                     saga_status status = saga_status::started) {
  saga_state s;
  s.saga_id = id;
  s.saga_type = type;
  s.correlation_id = correlation;
  s.status = status;
  s.data = boost::json::object{{"note", "plain"}};
  return s;
}

// A saga with every field set: steps in several states with times (nanoseconds, which the
// stores keep to the microsecond) and errors, unicode in text and data, processed markers.
saga_state full_saga(const std::string& id, const std::string& correlation) {
  const auto t0 = std::chrono::system_clock::now() - std::chrono::minutes(3) + std::chrono::nanoseconds(123'456'789);
  saga_state s = make_saga(id, "Fulfilment", correlation, saga_status::compensating);
  s.current_step = "r\xc3\xa9serve-stock";
  s.steps.push_back(make_step("payment", step_status::completed, t0, t0 + std::chrono::milliseconds(1500), ""));
  s.steps.push_back(make_step("r\xc3\xa9serve-stock", step_status::failed, t0 + std::chrono::seconds(2),
                              t0 + std::chrono::seconds(3), "out of stock \xf0\x9f\x93\xa6 \"sku\" \\ 42"));
  s.steps.push_back(make_step("refund", step_status::compensating, t0 + std::chrono::seconds(4), std::nullopt, ""));
  s.steps.push_back(make_step("ship", step_status::pending, std::nullopt, std::nullopt, ""));
  s.data = boost::json::object{{"order", "O-\xe6\x97\xa5\xe6\x9c\xac"},
                               {"amount", 12.5},
                               {"lines", boost::json::array{1, "two", nullptr, true}},
                               {"nested", boost::json::object{{"z", 1}, {"a", boost::json::object{}}}}};
  s.processed = {new_uuid(), new_uuid(), "not-a-uuid \xc3\xa9"};
  return s;
}

saga_state with_status(saga_state s, saga_status status, std::string step) {
  s.status = status;
  s.current_step = std::move(step);
  return s;
}

void require_same_content(const saga_state& loaded, const saga_state& saved) {
  BOOST_TEST(loaded.saga_id == saved.saga_id);
  BOOST_TEST(loaded.saga_type == saved.saga_type);
  BOOST_TEST(loaded.correlation_id == saved.correlation_id);
  BOOST_TEST(to_string(loaded.status) == to_string(saved.status));
  BOOST_TEST(loaded.current_step == saved.current_step);
  BOOST_TEST_REQUIRE(loaded.steps.size() == saved.steps.size());
  for (std::size_t i = 0; i < saved.steps.size(); ++i) {
    const auto& a = loaded.steps[i];
    const auto& b = saved.steps[i];
    BOOST_TEST(a.name == b.name);
    BOOST_TEST(to_string(a.status) == to_string(b.status));
    BOOST_TEST(a.started_at.has_value() == b.started_at.has_value());
    BOOST_TEST(a.finished_at.has_value() == b.finished_at.has_value());
    if (a.started_at && b.started_at) BOOST_TEST((*a.started_at == micros(*b.started_at)));
    if (a.finished_at && b.finished_at) BOOST_TEST((*a.finished_at == micros(*b.finished_at)));
    BOOST_TEST(a.error == b.error);
  }
  // Compared as values: PostgreSQL's jsonb keeps no key order.
  BOOST_TEST((loaded.data == saved.data), boost::json::serialize(loaded.data));
  BOOST_TEST(loaded.processed == saved.processed, boost::test_tools::per_element());
}

asio::awaitable<saga_state> find_ok(persistence::saga_store& store, std::string id) {
  auto [ec, found] = co_await store.async_find(id, tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "find " << id << ": " << ec.message());
  BOOST_REQUIRE_MESSAGE(found.has_value(), "saga " << id << " not found");
  co_return std::move(*found);
}

asio::awaitable<std::uint64_t> save_ok(persistence::saga_store& store, saga_state s, std::uint64_t expected) {
  const std::string id = s.saga_id;
  auto [ec, version] = co_await store.async_save(std::move(s), expected, tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "save " << id << " at " << expected << ": " << ec.message());
  BOOST_TEST(version == expected + 1);
  co_return version;
}

std::vector<std::string> ids_of_sagas(const std::vector<saga_state>& sagas) {
  std::vector<std::string> ids;
  for (const auto& s : sagas) ids.push_back(s.saga_id);
  return ids;
}

std::vector<std::string> three(const std::string& a, const std::string& b, const std::string& c) {
  return std::vector<std::string>{a, b, c};
}

}  // namespace

void saga_round_trip(store_harness& h) {
  const std::string id = h.unique_stream("Saga");
  const std::string correlation = h.unique_stream("Order");
  h.run([&]() -> asio::awaitable<void> {
    const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
    const saga_state first = full_saga(id, correlation);
    const auto v1 = co_await save_ok(h.sagas(), first, 0);
    BOOST_TEST(v1 == 1u);
    saga_state loaded = co_await find_ok(h.sagas(), id);
    require_same_content(loaded, first);
    BOOST_TEST(loaded.version == 1u);
    BOOST_TEST((loaded.created_at > before));
    BOOST_TEST((loaded.updated_at == loaded.created_at));
    BOOST_TEST(loaded.has_processed(first.processed.at(2)));
    BOOST_TEST(!loaded.has_processed(new_uuid()));

    // A second save replaces every field but keeps created_at; steps may become empty, data null.
    saga_state second = with_status(full_saga(id, correlation + "-moved"), saga_status::completed, "");
    second.saga_type = "Fulfilment\xe2\x84\xa2";
    second.steps.pop_back();
    second.steps.at(2).status = step_status::compensated;
    second.processed.push_back(new_uuid());
    second.data = nullptr;
    second.version = 77;  // ignored: the store sets versions
    const auto v2 = co_await save_ok(h.sagas(), second, 1);
    BOOST_TEST(v2 == 2u);
    saga_state again = co_await find_ok(h.sagas(), id);
    require_same_content(again, second);
    BOOST_TEST(again.version == 2u);
    BOOST_TEST((again.created_at == loaded.created_at));
    BOOST_TEST((again.updated_at >= loaded.updated_at));

    saga_state bare = make_saga(id, "Fulfilment", correlation);
    bare.data = boost::json::object{};
    const auto v3 = co_await save_ok(h.sagas(), bare, 2);
    BOOST_TEST(v3 == 3u);
    saga_state emptied = co_await find_ok(h.sagas(), id);
    require_same_content(emptied, bare);
  });
}

void saga_optimistic_concurrency(store_harness& h) {
  const std::string id = h.unique_stream("Saga");
  const std::string correlation = h.unique_stream("Order");
  h.run([&]() -> asio::awaitable<void> {
    co_await save_ok(h.sagas(), make_saga(id, "Fulfilment", correlation), 0);
    // Creating it again is a conflict and leaves the first one as it was.
    auto [e1, v1] = co_await h.sagas().async_save(with_status(make_saga(id, "Other", correlation), saga_status::failed, "x"),
                                                  0, tuple_awaitable);
    BOOST_TEST(e1 == code(errc::wrong_expected_version));
    BOOST_TEST(v1 == 0u);
    const saga_state stored = co_await find_ok(h.sagas(), id);
    BOOST_TEST(stored.saga_type == "Fulfilment");
    BOOST_TEST(stored.version == 1u);

    co_await save_ok(h.sagas(), with_status(make_saga(id, "Fulfilment", correlation), saga_status::running, "pay"), 1);
    // A stale save (another writer already moved it to 2), and one from the future, write nothing.
    for (std::uint64_t stale : stale_versions) {
      auto [ec, v] = co_await h.sagas().async_save(
          with_status(make_saga(id, "Fulfilment", correlation), saga_status::failed, "stale"), stale, tuple_awaitable);
      BOOST_TEST(ec == code(errc::wrong_expected_version), "expected version " << stale);
      BOOST_TEST(v == 0u);
    }
    const saga_state current = co_await find_ok(h.sagas(), id);
    BOOST_TEST(current.version == 2u);
    BOOST_TEST((current.status == saga_status::running));
    BOOST_TEST(current.current_step == "pay");

    // Replacing a saga that does not exist is a conflict too, and creates nothing.
    const std::string missing = h.unique_stream("Saga");
    auto [e2, v2] = co_await h.sagas().async_save(make_saga(missing, "Fulfilment", correlation), 1, tuple_awaitable);
    BOOST_TEST(e2 == code(errc::wrong_expected_version));
    auto [e3, none] = co_await h.sagas().async_find(missing, tuple_awaitable);
    BOOST_TEST(!e3);
    BOOST_TEST(!none.has_value());
  });
}

void saga_concurrent_saves(store_harness& h) {
  const std::string id = h.unique_stream("Saga");
  const std::string correlation = h.unique_stream("Order");
  h.run([&]() -> asio::awaitable<void> {
    co_await save_ok(h.sagas(), make_saga(id, "Fulfilment", correlation), 0);
    // Eight handlers of the same saga load version 1 and save: exactly one wins.
    std::vector<asio::awaitable<std::tuple<error_code, std::uint64_t>>> saves;
    for (int i = 0; i < 8; ++i) {
      saga_state s = with_status(make_saga(id, "Fulfilment", correlation), saga_status::running, std::to_string(i));
      saves.push_back(h.sagas().async_save(std::move(s), 1, tuple_awaitable));
    }
    const auto results = co_await when_all(std::move(saves));
    int won = -1;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& [ec, version] = results[i];
      if (!ec) {
        BOOST_TEST(won == -1, "saves " << won << " and " << i << " both won");
        won = static_cast<int>(i);
        BOOST_TEST(version == 2u);
      } else {
        BOOST_TEST(ec == code(errc::wrong_expected_version));
      }
    }
    BOOST_TEST_REQUIRE(won != -1);
    const saga_state stored = co_await find_ok(h.sagas(), id);
    BOOST_TEST(stored.version == 2u);
    BOOST_TEST(stored.current_step == std::to_string(won));
  });
}

void saga_invalid_input(store_harness& h) {
  const std::string id = h.unique_stream("Saga");
  h.run([&]() -> asio::awaitable<void> {
    auto [e1, v1] = co_await h.sagas().async_save(make_saga("", "Fulfilment", "c"), 0, tuple_awaitable);
    BOOST_TEST(e1 == code(errc::empty_saga_id));
    auto [e2, v2] = co_await h.sagas().async_save(make_saga(id, "", "c"), 0, tuple_awaitable);
    BOOST_TEST(e2 == code(errc::empty_saga_type));
    auto [e3, v3] = co_await h.sagas().async_save(make_saga(id, "Fulfilment", ""), 0, tuple_awaitable);
    BOOST_TEST(e3 == code(errc::empty_correlation_id));
    const auto too_far = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    auto [e4, v4] = co_await h.sagas().async_save(make_saga(id, "Fulfilment", "c"), too_far, tuple_awaitable);
    BOOST_TEST(e4 == code(errc::invalid_version));
    auto [e5, none] = co_await h.sagas().async_find(id, tuple_awaitable);
    BOOST_TEST(!e5);
    BOOST_TEST(!none.has_value());  // the refused saves stored nothing

    auto [e6, f6] = co_await h.sagas().async_find("", tuple_awaitable);
    BOOST_TEST(e6 == code(errc::empty_saga_id));
    auto [e7, f7] = co_await h.sagas().async_find_by_correlation("", tuple_awaitable);
    BOOST_TEST(e7 == code(errc::empty_correlation_id));
    auto [e8, f8] = co_await h.sagas().async_find_instance("", "c", tuple_awaitable);
    BOOST_TEST(e8 == code(errc::empty_saga_type));
    auto [e9, f9] = co_await h.sagas().async_find_instance("Fulfilment", "", tuple_awaitable);
    BOOST_TEST(e9 == code(errc::empty_correlation_id));
  });
}

void saga_find_by_correlation(store_harness& h) {
  const std::string correlation = h.unique_stream("Order");
  const std::string other = h.unique_stream("Order");
  // Ids sort in creation order, so that the order is fixed even if two saves share a microsecond.
  const std::string token = random_token();
  const std::string a = "a-" + token, b = "b-" + token, c = "c-" + token, d = "d-" + token;
  h.run([&]() -> asio::awaitable<void> {
    co_await save_ok(h.sagas(), make_saga(a, "Fulfilment", correlation), 0);
    co_await save_ok(h.sagas(), make_saga(b, "Billing", correlation), 0);
    co_await save_ok(h.sagas(), make_saga(c, "Fulfilment", other), 0);
    co_await save_ok(h.sagas(), make_saga(d, "Fulfilment", correlation, saga_status::running), 0);
    // Updating the oldest does not move it: the order is by creation.
    co_await save_ok(h.sagas(), with_status(make_saga(a, "Fulfilment", correlation), saga_status::completed, ""), 1);

    auto [e1, all] = co_await h.sagas().async_find_by_correlation(correlation, tuple_awaitable);
    BOOST_REQUIRE(!e1);
    BOOST_TEST(ids_of_sagas(all) == three(a, b, d), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(all.size() == 3u);
    BOOST_TEST(all[0].version == 2u);
    BOOST_TEST((all[0].status == saga_status::completed));

    auto [e2, newest] = co_await h.sagas().async_find_instance("Fulfilment", correlation, tuple_awaitable);
    BOOST_REQUIRE(!e2);
    BOOST_REQUIRE(newest.has_value());
    BOOST_TEST(newest->saga_id == d);
    BOOST_TEST((newest->status == saga_status::running));
    auto [e3, billing] = co_await h.sagas().async_find_instance("Billing", correlation, tuple_awaitable);
    BOOST_REQUIRE(billing.has_value());
    BOOST_TEST(billing->saga_id == b);
    auto [e4, shipping] = co_await h.sagas().async_find_instance("Shipping", correlation, tuple_awaitable);
    BOOST_TEST(!e4);
    BOOST_TEST(!shipping.has_value());
    auto [e5, nobody] = co_await h.sagas().async_find_by_correlation(h.unique_stream("Order"), tuple_awaitable);
    BOOST_TEST(!e5);
    BOOST_TEST(nobody.empty());
  });
}

void saga_counts_by_status(store_harness& h) {
  const std::string type = unique_name("Saga");
  const std::string correlation = h.unique_stream("Order");
  h.run([&]() -> asio::awaitable<void> {
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.push_back(h.unique_stream("Saga"));
    co_await save_ok(h.sagas(), make_saga(ids[0], type, correlation, saga_status::started), 0);
    co_await save_ok(h.sagas(), make_saga(ids[1], type, correlation, saga_status::started), 0);
    co_await save_ok(h.sagas(), make_saga(ids[2], type, correlation, saga_status::running), 0);
    co_await save_ok(h.sagas(), make_saga(ids[3], type, correlation, saga_status::running), 0);
    co_await save_ok(h.sagas(), make_saga(ids[4], type, correlation, saga_status::compensated), 0);
    co_await save_ok(h.sagas(), make_saga(ids[5], "Other" + type, correlation, saga_status::failed), 0);
    // A save moves a saga between statuses.
    co_await save_ok(h.sagas(), make_saga(ids[3], type, correlation, saga_status::completed), 1);

    auto [ec, counts] = co_await h.sagas().async_count_by_status(type, tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(counts.total == 5u);
    BOOST_TEST(counts.by_status.size() == std::size(persistence::all_saga_statuses));
    BOOST_TEST(counts.by_status.at(saga_status::started) == 2u);
    BOOST_TEST(counts.by_status.at(saga_status::running) == 1u);
    BOOST_TEST(counts.by_status.at(saga_status::completed) == 1u);
    BOOST_TEST(counts.by_status.at(saga_status::compensated) == 1u);
    BOOST_TEST(counts.by_status.at(saga_status::failed) == 0u);
    BOOST_TEST(counts.by_status.at(saga_status::compensating) == 0u);

    // Every type: at least these six (the store may hold other tests' sagas).
    auto [e2, all] = co_await h.sagas().async_count_by_status("", tuple_awaitable);
    BOOST_REQUIRE(!e2);
    BOOST_TEST(all.total >= 6u);
    BOOST_TEST(all.by_status.at(saga_status::failed) >= 1u);
    std::uint64_t sum = 0;
    for (const auto& [status, n] : all.by_status) sum += n;
    BOOST_TEST(sum == all.total);
  });
}

}  // namespace mink::test::conformance

// Conformance of units of work: appends to several streams, idempotency keys and checkpoints
// commit together or not at all.
#include "event_store_conformance_support.hpp"

#include <mink/persistence/event_store.hpp>

namespace mink::test::conformance {

using namespace conformance_support;
using persistence::append_options;
using persistence::checkpoint;
using persistence::unit_of_work;
using persistence::unit_of_work_result;

namespace {

asio::awaitable<std::tuple<error_code, unit_of_work_result>> commit(persistence::event_store& store,
                                                                    unit_of_work unit) {
  auto outcome = co_await store.async_commit(std::move(unit), tuple_awaitable);
  co_return outcome;
}

append_options with_key(const std::string& key) {
  append_options o;
  o.idempotency.emplace();
  o.idempotency->key = key;
  o.idempotency->fingerprint = "fp";
  return o;
}

checkpoint at(const std::string& projection, std::int64_t position) {
  checkpoint c;
  c.projection = projection;
  c.position = log_position{7, position};
  return c;
}

asio::awaitable<std::int64_t> checkpoint_position(store_harness& h, const std::string& projection) {
  auto [ec, c] = co_await h.checkpoints().async_load(projection, tuple_awaitable);
  BOOST_REQUIRE(!ec);
  co_return c ? c->position.position : -1;
}

}  // namespace

void unit_commits_every_write(store_harness& h) {
  const auto orders = h.unique_stream("Order");
  const auto payments = h.unique_stream("Payment");
  const auto projection = h.unique_stream("Projection");
  const auto key = unique_name("key");
  h.run([&]() -> asio::awaitable<void> {
    unit_of_work unit;
    unit.append(orders, expected_version::no_stream(), make_events("Placed", 2))
        .append(payments, expected_version::any(), make_events("Requested", 1), with_key(key))
        .save(at(projection, 42));
    auto [ec, r] = co_await commit(h.store(), std::move(unit));
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    BOOST_TEST(r.failed_append == unit_of_work_result::no_failure);
    BOOST_REQUIRE(r.appends.size() == 2u);
    BOOST_TEST(r.appends[0].version == 2u);
    BOOST_TEST(r.appends[1].version == 1u);
    BOOST_TEST(r.appends[0].positions.size() == 2u);
    // One transaction: the global log shows the unit's events together.
    BOOST_TEST(r.appends[0].transaction_id == r.appends[1].transaction_id);
    BOOST_TEST(co_await current_version(h.store(), orders) == 2u);
    BOOST_TEST(co_await current_version(h.store(), payments) == 1u);
    BOOST_TEST(co_await checkpoint_position(h, projection) == 42);
    auto [fe, record] = co_await h.idempotency().async_find(key, tuple_awaitable);
    BOOST_TEST(record.has_value());
  });
}

void unit_fails_as_a_whole(store_harness& h) {
  const auto fresh = h.unique_stream("Order");
  const auto existing = h.unique_stream("Order");
  const auto projection = h.unique_stream("Projection");
  const auto key = unique_name("key");
  h.run([&]() -> asio::awaitable<void> {
    co_await append_ok(h.store(), existing, expected_version::no_stream(), make_events("Placed", 1));
    auto [e0] = co_await h.checkpoints().async_save(at(projection, 10), tuple_awaitable);
    BOOST_REQUIRE(!e0);
    unit_of_work unit;
    unit.append(fresh, expected_version::no_stream(), make_events("Placed", 1), with_key(key))
        .append(existing, expected_version::exact(5), make_events("Shipped", 1))  // at 1: conflict
        .save(at(projection, 99));
    auto [ec, r] = co_await commit(h.store(), std::move(unit));
    BOOST_TEST(ec == code(errc::wrong_expected_version));
    BOOST_TEST(r.failed_append == 1u);
    BOOST_TEST(r.appends.at(1).conflict_message() ==
               "concurrency conflict on stream \"" + existing + "\": expected version 5, got 1");
    // Nothing of it: not the other stream's events, nor the key, nor the checkpoint.
    BOOST_TEST(co_await current_version(h.store(), fresh) == 0u);
    BOOST_TEST(co_await current_version(h.store(), existing) == 1u);
    BOOST_TEST(co_await checkpoint_position(h, projection) == 10);
    auto [fe, record] = co_await h.idempotency().async_find(key, tuple_awaitable);
    BOOST_TEST(!record.has_value());
    // The same unit, corrected, commits.
    unit_of_work fixed;
    fixed.append(fresh, expected_version::no_stream(), make_events("Placed", 1), with_key(key))
        .append(existing, expected_version::exact(1), make_events("Shipped", 1))
        .save(at(projection, 99));
    auto [e2, r2] = co_await commit(h.store(), std::move(fixed));
    BOOST_TEST(!e2);
    BOOST_TEST(co_await current_version(h.store(), existing) == 2u);
  });
}

void unit_appends_to_one_stream_in_order(store_harness& h) {
  const auto stream = h.unique_stream();
  h.run([&]() -> asio::awaitable<void> {
    unit_of_work unit;
    unit.append(stream, expected_version::no_stream(), make_events("Placed", 2))
        .append(stream, expected_version::exact(2), make_events("Added", 1))
        .append(stream, expected_version::stream_exists(), make_events("Added", 1));
    auto [ec, r] = co_await commit(h.store(), std::move(unit));
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    BOOST_TEST(r.appends.at(0).version == 2u);
    BOOST_TEST(r.appends.at(1).version == 3u);
    BOOST_TEST(r.appends.at(2).version == 4u);
    auto events = co_await read_whole_stream(h.store(), stream);
    BOOST_TEST(versions_of(events) == (std::vector<std::uint64_t>{1, 2, 3, 4}));
  });
}

// A unit retried after an unknown outcome: its appends replay and it succeeds, writing nothing.
void unit_with_a_replayed_append(store_harness& h) {
  const auto stream = h.unique_stream();
  const auto other = h.unique_stream();
  h.run([&]() -> asio::awaitable<void> {
    auto events = make_events("Placed", 2);
    auto first = co_await append_ok(h.store(), stream, expected_version::no_stream(), events);
    unit_of_work unit;
    unit.append(stream, expected_version::no_stream(), events)
        .append(other, expected_version::any(), make_events("Placed", 1));
    auto [ec, r] = co_await commit(h.store(), std::move(unit));
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    BOOST_TEST(r.appends.at(0).replayed);
    BOOST_TEST(r.appends.at(0).positions == first.positions);
    BOOST_TEST(!r.appends.at(1).replayed);
    BOOST_TEST(co_await current_version(h.store(), stream) == 2u);
    BOOST_TEST(co_await current_version(h.store(), other) == 1u);
  });
}

// What each bad input gets; none writes anything.
void unit_invalid_input(store_harness& h) {
  const auto stream = h.unique_stream();
  h.run([&]() -> asio::awaitable<void> {
    unit_of_work no_name;
    no_name.append(stream, expected_version::any(), make_events("Placed", 1)).save(at("", 1));
    auto [e1, r1] = co_await commit(h.store(), std::move(no_name));
    BOOST_TEST(e1 == code(errc::empty_name));
    unit_of_work bad_event;
    bad_event.append(stream, expected_version::any(), make_events("Placed", 1))
        .append(stream, expected_version::any(), {make_event("")});
    auto [e2, r2] = co_await commit(h.store(), std::move(bad_event));
    BOOST_TEST(e2 == code(errc::invalid_event));
    BOOST_TEST(r2.failed_append == 1u);
    unit_of_work no_events;
    no_events.append("", expected_version::any(), make_events("Placed", 1));
    auto [e3, r3] = co_await commit(h.store(), std::move(no_events));
    BOOST_TEST(e3 == code(errc::empty_stream_id));
    BOOST_TEST(co_await current_version(h.store(), stream) == 0u);
    // An empty unit is a valid no-op.
    auto [e4, r4] = co_await commit(h.store(), unit_of_work{});
    BOOST_TEST(!e4);
    BOOST_TEST(r4.appends.empty());
  });
}

}  // namespace mink::test::conformance

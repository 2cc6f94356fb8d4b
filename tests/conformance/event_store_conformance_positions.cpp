// Conformance suite: where a global position sits in the log, and the log's head.
#include "event_store_conformance_support.hpp"

#include <optional>

namespace mink::test::conformance {
namespace {

using namespace conformance_support;

asio::awaitable<void> log_position_of_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream("Placed");
  auto first_events = make_events("Placed", 2);
  const auto first = co_await append_ok(store, stream, expected_version::any(), std::move(first_events));
  auto second_events = make_events("Placed", 1, 2);
  const auto second = co_await append_ok(store, stream, expected_version::any(), std::move(second_events));
  BOOST_TEST_REQUIRE(first.positions.size() == 2u);
  BOOST_TEST_REQUIRE(second.positions.size() == 1u);

  // Each appended event resolves to the (transaction, position) that it was stored with.
  const auto read = co_await read_whole_stream(store, stream);
  BOOST_TEST_REQUIRE(read.size() == 3u);
  for (const auto& e : read) {
    auto [ec, where] = co_await store.async_log_position_of(e.position, tuple_awaitable);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(where.has_value());
    BOOST_TEST(where->position == e.position);
    BOOST_TEST(where->transaction_id == e.transaction_id);
  }
  auto [ec1, where1] = co_await store.async_log_position_of(first.positions[0], tuple_awaitable);
  BOOST_TEST(!ec1);
  BOOST_TEST_REQUIRE(where1.has_value());
  BOOST_TEST(where1->transaction_id == first.transaction_id);

  // Positions no committed event has: none, or not yet allocated.
  auto [ec2, none] = co_await store.async_log_position_of(0, tuple_awaitable);
  BOOST_TEST(!ec2);
  BOOST_TEST(!none.has_value());
  auto [ec3, beyond] = co_await store.async_log_position_of(second.positions[0] + 1000000, tuple_awaitable);
  BOOST_TEST(!ec3);
  BOOST_TEST(!beyond.has_value());
}

asio::awaitable<void> head_position_test(store_harness& h) {
  auto& store = h.store();
  auto [ec1, before] = co_await store.async_head_position(tuple_awaitable);
  BOOST_TEST(!ec1);
  BOOST_TEST(before >= 0);
  const auto stream = h.unique_stream("Headed");
  auto events = make_events("Headed", 3);
  const auto appended = co_await append_ok(store, stream, expected_version::any(), std::move(events));
  auto [ec2, after] = co_await store.async_head_position(tuple_awaitable);
  BOOST_TEST(!ec2);
  // Other tests may append concurrently (the PostgreSQL store is shared): at least ours.
  BOOST_TEST(after >= appended.positions.back());
  BOOST_TEST(after > before);
}

}  // namespace

void log_position_of(store_harness& h) { h.run([&h] { return log_position_of_test(h); }); }
void head_position(store_harness& h) { h.run([&h] { return head_position_test(h); }); }

}  // namespace mink::test::conformance

// Conformance of snapshot stores: the latest version wins, bad input is refused, data round-trips.
#include "event_store_conformance.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace mink::test::conformance {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::snapshot;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Built outside coroutines: GCC 12 miscompiles initializer lists inside coroutine bodies.
snapshot make_snapshot(const std::string& stream, std::uint64_t version, const std::string& note) {
  snapshot s;
  s.stream_id = stream;
  s.version = version;
  s.data = boost::json::object{{"note", note}, {"version", static_cast<std::int64_t>(version)}, {"items", boost::json::array{1, 2.5, "three"}}};
  return s;
}

}  // namespace

void snapshot_latest_version_wins(store_harness& h) {
  const std::string stream = h.unique_stream("Snap");
  h.run([&]() -> asio::awaitable<void> {
    const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
    for (std::uint64_t v : {3u, 5u, 4u, 5u}) {  // an older one, and an equal one, change nothing
      auto [ec] = co_await h.snapshots().async_save(make_snapshot(stream, v, "v" + std::to_string(v)), tuple_awaitable);
      BOOST_REQUIRE(!ec);
    }
    auto [ec, loaded] = co_await h.snapshots().async_load(stream, tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE(loaded.has_value());
    BOOST_TEST(loaded->stream_id == stream);
    BOOST_TEST(loaded->version == 5u);
    BOOST_TEST(loaded->data.at("note").as_string() == "v5");
    BOOST_TEST((loaded->taken_at > before));
    auto [e6] = co_await h.snapshots().async_save(make_snapshot(stream, 6, "six"), tuple_awaitable);
    BOOST_REQUIRE(!e6);
    auto [e7, newer] = co_await h.snapshots().async_load(stream, tuple_awaitable);
    BOOST_TEST(newer->version == 6u);
    BOOST_TEST(newer->data.at("note").as_string() == "six");
  });
}

void snapshot_missing_and_invalid(store_harness& h) {
  const std::string stream = h.unique_stream("Snap");
  h.run([&]() -> asio::awaitable<void> {
    auto [ec, none] = co_await h.snapshots().async_load(stream, tuple_awaitable);
    BOOST_TEST(!ec);
    BOOST_TEST(!none.has_value());
    auto [e1] = co_await h.snapshots().async_save(make_snapshot("", 1, "x"), tuple_awaitable);
    BOOST_TEST(e1 == error_code(errc::empty_stream_id));
    auto [e2] = co_await h.snapshots().async_save(make_snapshot(stream, 0, "x"), tuple_awaitable);
    BOOST_TEST(e2 == error_code(errc::invalid_version));
    auto [e3, nothing] = co_await h.snapshots().async_load(stream, tuple_awaitable);
    BOOST_TEST(!nothing.has_value());  // the refused saves stored nothing
    auto [e4, empty_id] = co_await h.snapshots().async_load("", tuple_awaitable);
    BOOST_TEST(e4 == error_code(errc::empty_stream_id));
  });
}

void snapshot_data_round_trip(store_harness& h) {
  const std::string stream = h.unique_stream("Snap");
  h.run([&]() -> asio::awaitable<void> {
    snapshot s = make_snapshot(stream, 9, "h\xc3\xa9llo \xf0\x9f\x9a\x80 \"quoted\" \\ back");
    const boost::json::value original = s.data;
    auto [ec] = co_await h.snapshots().async_save(std::move(s), tuple_awaitable);
    BOOST_REQUIRE(!ec);
    auto [e2, loaded] = co_await h.snapshots().async_load(stream, tuple_awaitable);
    BOOST_REQUIRE(loaded.has_value());
    // Compared as values: PostgreSQL's jsonb keeps no key order.
    BOOST_TEST((loaded->data == original), boost::json::serialize(loaded->data));
  });
}

}  // namespace mink::test::conformance

#pragma once
// Helpers shared by the conformance suite's files: building events and awaiting the store.

#include "event_store_conformance.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <string>
#include <tuple>
#include <vector>

namespace mink::test::conformance_support {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::append_result;
using persistence::read_all_filter;
using persistence::read_all_result;
using persistence::read_direction;
inline constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// For BOOST_TEST(ec == code(errc::...)): both sides print as error codes.
inline error_code code(errc e) { return make_error_code(e); }

inline std::string to_string(log_position p) {
  return "(" + std::to_string(p.transaction_id) + ", " + std::to_string(p.position) + ")";
}

/// A UUID without its dashes: usable inside a stream category (which ends at the first '-').
inline std::string random_token() {
  auto id = new_uuid();
  std::erase(id, '-');
  return id;
}

/// A category (or type) no other test uses, so that read_all filters see only this test's events.
inline std::string unique_name(const std::string& prefix = "Conf") { return prefix + random_token(); }

inline std::string to_upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return text;
}

inline std::string to_lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

inline event_data make_event(std::string type, boost::json::value data = {}, std::string event_id = {}) {
  event_data e;
  e.event_id = std::move(event_id);
  e.type = std::move(type);
  e.data = std::move(data);
  return e;
}

/// `count` events of `type` with data {"n": first_n + i} and fresh ids.
inline std::vector<event_data> make_events(const std::string& type, std::size_t count, std::int64_t first_n = 0) {
  std::vector<event_data> events;
  for (std::size_t i = 0; i < count; ++i) {
    boost::json::object data;
    data["n"] = first_n + static_cast<std::int64_t>(i);
    events.push_back(make_event(type, std::move(data), new_uuid()));
  }
  return events;
}

template <class Events>
std::vector<std::string> ids_of(const Events& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e.event_id);
  return ids;
}

inline std::vector<std::uint64_t> versions_of(const std::vector<recorded_event>& events) {
  std::vector<std::uint64_t> versions;
  for (const auto& e : events) versions.push_back(e.version);
  return versions;
}

inline asio::awaitable<std::tuple<error_code, append_result>> append(persistence::event_store& store,
                                                                      std::string stream, expected_version expected,
                                                                      std::vector<event_data> events) {
  co_return co_await store.async_append(std::move(stream), expected, std::move(events), tuple_awaitable);
}

/// Appends and requires success.
inline asio::awaitable<append_result> append_ok(persistence::event_store& store, std::string stream,
                                                expected_version expected, std::vector<event_data> events) {
  auto [ec, r] = co_await store.async_append(stream, expected, std::move(events), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "append to " << stream << " (expected " << expected.to_string() << "): " << ec.message());
  co_return r;
}

inline asio::awaitable<std::tuple<error_code, std::vector<recorded_event>>> read_stream(
    persistence::event_store& store, std::string stream, std::uint64_t from, std::size_t max_count,
    read_direction direction = read_direction::forward) {
  co_return co_await store.async_read_stream(std::move(stream), from, max_count, direction, tuple_awaitable);
}

/// Reads and requires success.
inline asio::awaitable<std::vector<recorded_event>> read_stream_ok(persistence::event_store& store, std::string stream,
                                                                   std::uint64_t from, std::size_t max_count,
                                                                   read_direction direction = read_direction::forward) {
  auto [ec, events] = co_await store.async_read_stream(stream, from, max_count, direction, tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "read " << stream << " from " << from << ": " << ec.message());
  co_return events;
}

inline asio::awaitable<std::vector<recorded_event>> read_whole_stream(persistence::event_store& store,
                                                                      std::string stream) {
  co_return co_await read_stream_ok(store, std::move(stream), 1, 1'000'000);
}

inline asio::awaitable<read_all_result> read_all_ok(persistence::event_store& store, log_position after,
                                                    std::size_t max_count, read_all_filter filter) {
  auto [ec, r] = co_await store.async_read_all(after, max_count, std::move(filter), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "read_all: " << ec.message());
  co_return r;
}

/// Every event of the log that matches `filter`, read in pages until the reader is caught up
/// (an empty page that does not move `next`).
inline asio::awaitable<std::vector<recorded_event>> read_all_matching(persistence::event_store& store,
                                                                      read_all_filter filter,
                                                                      log_position after = log_position::start()) {
  std::vector<recorded_event> all;
  for (int page = 0;; ++page) {
    BOOST_REQUIRE_MESSAGE(page < 100'000, "read_all never caught up");
    auto r = co_await read_all_ok(store, after, 100, filter);
    BOOST_REQUIRE_MESSAGE(r.next >= after, "read_all moved its position backwards");
    if (r.events.empty() && r.next == after) break;
    for (auto& e : r.events) {
      // Checked here, not only by the callers: a store that returned `after` itself would loop.
      BOOST_REQUIRE_MESSAGE(e.log() > after, "read_all returned " << to_string(e.log()) << ", not after "
                                                                   << to_string(after));
      after = e.log();
      all.push_back(std::move(e));
    }
    BOOST_REQUIRE_MESSAGE(r.next >= after, "next " << to_string(r.next) << " is before the last event returned");
    after = r.next;
  }
  co_return all;
}

/// A stream's events read both ways: from the stream itself and from the global log through
/// `filter` (which should select just that stream's events), to check that both agree.
inline asio::awaitable<std::array<std::vector<recorded_event>, 2>> read_both_ways(persistence::event_store& store,
                                                                                 std::string stream,
                                                                                 read_all_filter filter) {
  std::array<std::vector<recorded_event>, 2> both;
  both[0] = co_await read_whole_stream(store, std::move(stream));
  both[1] = co_await read_all_matching(store, std::move(filter));
  co_return both;
}

/// The stream's version, 0 when it does not exist.
inline asio::awaitable<std::uint64_t> current_version(persistence::event_store& store, std::string stream) {
  auto [ec, info] = co_await store.async_stream_info(std::move(stream), tuple_awaitable);
  if (ec == errc::stream_not_found) co_return 0;
  BOOST_REQUIRE_MESSAGE(!ec, "stream_info: " << ec.message());
  co_return info.version;
}

/// Runs `tasks` concurrently on the current executor and returns their results in task order;
/// rethrows the first failure (a BOOST_REQUIRE inside a task) after all have finished.
template <class T>
asio::awaitable<std::vector<T>> when_all(std::vector<asio::awaitable<T>> tasks) {
  auto ex = co_await asio::this_coro::executor;
  using spawn_op = decltype(asio::co_spawn(ex, std::move(tasks.front()), asio::deferred));
  std::vector<spawn_op> ops;
  for (auto& t : tasks) ops.push_back(asio::co_spawn(ex, std::move(t), asio::deferred));
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, exceptions, values] = co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  for (const auto& e : exceptions) {
    if (e) std::rethrow_exception(e);
  }
  co_return values;
}

}  // namespace mink::test::conformance_support

// Conformance suite, part 2: reading streams and the global log, stream info, and what survives
// a round trip through the store (metadata, unicode, large payloads).
#include "event_store_conformance_support.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <chrono>
#include <utility>

namespace mink::test::conformance {
namespace {

using namespace conformance_support;
using namespace std::chrono_literals;

/// Appends 10 events to a new stream in batches of 4, 3 and 3; returns them as appended.
asio::awaitable<std::vector<event_data>> ten_events(persistence::event_store& store, const std::string& stream) {
  std::vector<event_data> appended;
  const std::vector<std::size_t> batch_sizes{4, 3, 3};
  for (const auto n : batch_sizes) {
    auto events = make_events("Counted", n, static_cast<std::int64_t>(appended.size()));
    appended.insert(appended.end(), events.begin(), events.end());
    co_await append_ok(store, stream, expected_version::any(), std::move(events));
  }
  co_return appended;
}

struct slice {
  std::uint64_t from;
  std::size_t max_count;
  std::vector<std::uint64_t> versions;  ///< What the read must return.
};

asio::awaitable<void> check_slices(persistence::event_store& store, const std::string& stream,
                                   const std::vector<event_data>& appended, read_direction direction,
                                   const std::vector<slice>& slices) {
  for (const auto& s : slices) {
    const auto events = co_await read_stream_ok(store, stream, s.from, s.max_count, direction);
    BOOST_TEST(versions_of(events) == s.versions, "from " << s.from << ", max_count " << s.max_count);
    for (const auto& e : events) {
      BOOST_TEST_REQUIRE((e.version >= 1 && e.version <= appended.size()));
      const auto& want = appended[e.version - 1];
      BOOST_TEST(e.stream_id == stream);
      BOOST_TEST(e.event_id == want.event_id);
      BOOST_TEST(e.type == want.type);
      BOOST_TEST(e.data == want.data);
    }
  }
}

asio::awaitable<void> read_stream_forward_test(store_harness& h) {
  const auto stream = h.unique_stream();
  const auto appended = co_await ten_events(h.store(), stream);
  const std::vector<slice> slices{
      {1, 100, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
      {1, 1, {1}},
      {4, 3, {4, 5, 6}},  // across two appends
      {8, 10, {8, 9, 10}},
      {10, 1, {10}},
      {1, 0, {}},
      {11, 5, {}},
      {persistence::stream_end, 5, {}},
  };
  co_await check_slices(h.store(), stream, appended, read_direction::forward, slices);
}

asio::awaitable<void> read_stream_backward_test(store_harness& h) {
  const auto stream = h.unique_stream();
  const auto appended = co_await ten_events(h.store(), stream);
  const std::vector<slice> slices{
      {persistence::stream_end, 100, {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
      {persistence::stream_end, 3, {10, 9, 8}},
      {10, 10, {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
      {5, 2, {5, 4}},  // across two appends
      {3, 10, {3, 2, 1}},
      {1, 1, {1}},
      {50, 2, {10, 9}},  // beyond the end: from the last event
      {10, 0, {}},
  };
  co_await check_slices(h.store(), stream, appended, read_direction::backward, slices);
}

asio::awaitable<void> read_stream_errors_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream();
  auto events = make_events("Created", 2);
  co_await append_ok(store, stream, expected_version::any(), std::move(events));
  const auto missing = h.unique_stream();
  const std::vector<read_direction> directions{read_direction::forward, read_direction::backward};
  for (const auto direction : directions) {
    const bool forward = direction == read_direction::forward;
    auto [ec, read] = co_await read_stream(store, stream, 0, 10, direction);
    BOOST_TEST(ec == code(errc::invalid_version), "forward " << forward);
    BOOST_TEST(read.empty());
    std::tie(ec, read) = co_await read_stream(store, missing, 0, 10, direction);
    BOOST_TEST(ec == code(errc::invalid_version), "forward " << forward);
    std::tie(ec, read) = co_await read_stream(store, missing, forward ? 1 : persistence::stream_end, 10, direction);
    BOOST_TEST(ec == code(errc::stream_not_found), "forward " << forward);
    BOOST_TEST(read.empty());
  }
}

asio::awaitable<void> read_all_order_test(store_harness& h) {
  auto& store = h.store();
  const auto category = unique_name();
  const std::vector<std::string> streams{h.unique_stream(category), h.unique_stream(category),
                                         h.unique_stream(category)};
  // Interleaved appends: {stream index, batch size}.
  const std::vector<std::pair<std::size_t, std::size_t>> appends{{0, 2}, {1, 1}, {2, 3}, {0, 1}, {1, 2}};
  std::vector<event_data> appended;
  std::vector<std::string> stream_of;
  std::vector<std::uint64_t> version_of;
  std::vector<log_position> log_of;
  for (const auto& [s, n] : appends) {
    auto events = make_events("Ordered", n, static_cast<std::int64_t>(appended.size()));
    appended.insert(appended.end(), events.begin(), events.end());
    const auto r = co_await append_ok(store, streams[s], expected_version::any(), std::move(events));
    for (std::size_t i = 0; i < n; ++i) {
      stream_of.push_back(streams[s]);
      version_of.push_back(r.version - n + i + 1);
      log_of.push_back({r.transaction_id, r.positions[i]});
    }
  }

  read_all_filter filter;
  filter.categories = {category};
  const auto all = co_await read_all_matching(store, filter);
  BOOST_TEST_REQUIRE(all.size() == appended.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& e = all[i];
    BOOST_TEST(e.event_id == appended[i].event_id, "event " << i);
    BOOST_TEST(e.stream_id == stream_of[i]);
    BOOST_TEST(e.version == version_of[i]);
    BOOST_TEST((e.log() == log_of[i]), to_string(e.log()) << " vs " << to_string(log_of[i]));
    BOOST_TEST(e.type == appended[i].type);
    BOOST_TEST(e.data == appended[i].data);
    if (i > 0) BOOST_TEST((all[i - 1].log() < e.log()), "log order at " << i);
  }
}

asio::awaitable<void> read_all_pages_test(store_harness& h) {
  auto& store = h.store();
  const auto category = unique_name();
  const std::vector<std::string> streams{h.unique_stream(category), h.unique_stream(category),
                                         h.unique_stream(category)};
  const std::vector<std::pair<std::size_t, std::size_t>> appends{{0, 3}, {1, 2}, {2, 1}, {0, 4}};
  std::vector<std::string> expected_ids;
  for (const auto& [s, n] : appends) {
    auto events = make_events("Paged", n);
    for (const auto& id : ids_of(events)) expected_ids.push_back(id);
    co_await append_ok(store, streams[s], expected_version::any(), std::move(events));
  }

  // Continuing from each page's `next` returns every event exactly once, in order.
  read_all_filter filter;
  filter.categories = {category};
  std::vector<std::string> ids;
  std::vector<std::size_t> page_sizes;
  auto after = log_position::start();
  for (int page = 0;; ++page) {
    BOOST_REQUIRE_MESSAGE(page < 100'000, "read_all never caught up");
    const auto r = co_await read_all_ok(store, after, 3, filter);
    BOOST_TEST(r.events.size() <= 3u);
    BOOST_TEST_REQUIRE((r.next >= after));
    if (r.events.empty() && r.next == after) break;
    if (r.events.size() == 3) BOOST_TEST((r.next == r.events.back().log()), "a full page ends at its last event");
    if (!r.events.empty()) page_sizes.push_back(r.events.size());
    for (const auto& e : r.events) ids.push_back(e.event_id);
    after = r.next;
  }
  BOOST_TEST(ids == expected_ids);
  BOOST_TEST(page_sizes == (std::vector<std::size_t>{3, 3, 3, 1}));
}

asio::awaitable<void> read_all_filters_test(store_harness& h) {
  auto& store = h.store();
  const auto cat1 = unique_name();
  const auto cat2 = unique_name();
  const auto bare = unique_name();  // a stream id without '-' is its own category
  const auto placed = unique_name("Placed");
  const auto shipped = unique_name("Shipped");
  const auto s1 = h.unique_stream(cat1);
  const auto s2 = h.unique_stream(cat2);
  const auto s3 = h.unique_stream(cat1);
  const auto lookalike = h.unique_stream(cat1 + "x");  // category cat1x: a prefix is not a match

  auto append_types = [&](std::string stream, std::vector<std::string> types) -> asio::awaitable<std::vector<std::string>> {
    std::vector<event_data> events;
    for (auto& t : types) events.push_back(make_event(std::move(t), nullptr, new_uuid()));
    auto ids = ids_of(events);
    co_await append_ok(store, std::move(stream), expected_version::any(), std::move(events));
    co_return ids;
  };
  std::vector<std::string> types{placed, shipped};
  const auto s1_ids = co_await append_types(s1, types);
  const auto s2_ids = co_await append_types(s2, types);
  types = {shipped};
  const auto s3_ids = co_await append_types(s3, types);
  types = {placed};
  const auto lookalike_ids = co_await append_types(lookalike, types);
  const auto bare_ids = co_await append_types(bare, types);

  struct filter_case {
    std::vector<std::string> event_types;
    std::vector<std::string> categories;
    std::vector<std::string> ids;  ///< What the filter must return, in log order.
    const char* what;
  };
  const std::vector<filter_case> cases{
      {{}, {cat1}, {s1_ids[0], s1_ids[1], s3_ids[0]}, "one category"},
      {{}, {cat1, cat2}, {s1_ids[0], s1_ids[1], s2_ids[0], s2_ids[1], s3_ids[0]}, "two categories"},
      {{placed}, {}, {s1_ids[0], s2_ids[0], lookalike_ids[0], bare_ids[0]}, "one type"},
      {{placed}, {cat2}, {s2_ids[0]}, "type and category"},
      {{placed, shipped}, {cat1}, {s1_ids[0], s1_ids[1], s3_ids[0]}, "two types, one category"},
      {{}, {bare}, {bare_ids[0]}, "a stream id without '-'"},
      {{shipped}, {bare}, {}, "no match"},
  };
  for (const auto& c : cases) {
    read_all_filter filter;
    filter.event_types = c.event_types;
    filter.categories = c.categories;
    const auto events = co_await read_all_matching(store, filter);
    BOOST_TEST(ids_of(events) == c.ids, c.what);
  }
}

asio::awaitable<void> read_all_next_test(store_harness& h) {
  auto& store = h.store();
  const auto category = unique_name();
  const auto x = h.unique_stream(category);
  const auto y = h.unique_stream(unique_name());
  auto events = make_events("Watched", 2);
  const auto x_ids = ids_of(events);
  const auto rx = co_await append_ok(store, x, expected_version::any(), std::move(events));
  events = make_events("Ignored", 3);
  const auto ry = co_await append_ok(store, y, expected_version::any(), std::move(events));
  const log_position before_x{rx.transaction_id, rx.positions.front() - 1};
  const log_position last_y{ry.transaction_id, ry.positions.back()};
  read_all_filter filter;
  filter.categories = {category};

  // A full page: `next` is its last event.
  const auto full = co_await read_all_ok(store, before_x, 1, filter);
  BOOST_TEST_REQUIRE(full.events.size() == 1u);
  BOOST_TEST(full.events[0].event_id == x_ids[0]);
  BOOST_TEST((full.next == full.events[0].log()), to_string(full.next));
  // The rest: `next` passes over the events the filter skipped, so they are not scanned again.
  const auto rest = co_await read_all_ok(store, full.next, 100, filter);
  BOOST_TEST_REQUIRE(rest.events.size() == 1u);
  BOOST_TEST(rest.events[0].event_id == x_ids[1]);
  BOOST_TEST((rest.next >= last_y), to_string(rest.next) << " is before " << to_string(last_y));
  // Caught up: nothing more, and `next` never moves back.
  const auto caught_up = co_await read_all_ok(store, rest.next, 100, filter);
  BOOST_TEST(caught_up.events.empty());
  BOOST_TEST((caught_up.next >= rest.next));
  // Nothing scanned: `next` stays where it was.
  const auto none = co_await read_all_ok(store, before_x, 0, filter);
  BOOST_TEST(none.events.empty());
  BOOST_TEST((none.next == before_x), to_string(none.next));
  // Unfiltered, the same rules.
  const read_all_filter no_filter;
  const auto unfiltered = co_await read_all_ok(store, before_x, 2, no_filter);
  BOOST_TEST(ids_of(unfiltered.events) == x_ids);
  BOOST_TEST_REQUIRE(!unfiltered.events.empty());
  BOOST_TEST((unfiltered.next == unfiltered.events.back().log()), to_string(unfiltered.next));
}

asio::awaitable<void> stream_info_fields_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream();
  auto [ec, info] = co_await store.async_stream_info(stream, tuple_awaitable);
  BOOST_TEST(ec == code(errc::stream_not_found));

  auto events = make_events("Created", 2);
  co_await append_ok(store, stream, expected_version::any(), std::move(events));
  // Apart in time, so that created_at and updated_at must differ.
  const auto ex = co_await asio::this_coro::executor;
  asio::steady_timer pause(ex, 20ms);
  co_await pause.async_wait(tuple_awaitable);
  events = make_events("Changed", 3);
  co_await append_ok(store, stream, expected_version::any(), std::move(events));

  std::tie(ec, info) = co_await store.async_stream_info(stream, tuple_awaitable);
  BOOST_TEST_REQUIRE(!ec, ec.message());
  BOOST_TEST(info.stream_id == stream);
  BOOST_TEST(info.version == 5u);
  BOOST_TEST(info.event_count == 5u);
  const auto stored = co_await read_whole_stream(store, stream);
  BOOST_TEST_REQUIRE(stored.size() == 5u);
  BOOST_TEST((info.created_at == stored.front().recorded_at), "created_at is the first event's time");
  BOOST_TEST((info.updated_at == stored.back().recorded_at), "updated_at is the last append's time");
  BOOST_TEST((info.created_at < info.updated_at));
  const auto now = std::chrono::system_clock::now();
  BOOST_TEST((info.created_at > now - 5min && info.updated_at < now + 5min), "times are the wall clock's");
}

asio::awaitable<void> metadata_round_trip_test(store_harness& h) {
  auto& store = h.store();
  const auto category = unique_name();
  const auto stream = h.unique_stream(category);
  boost::json::object data;
  data["total"] = 42;
  const auto upper_id = to_upper(new_uuid());
  auto full = make_event("Tagged", std::move(data), upper_id);
  full.metadata.correlation_id = "corr-" + random_token();
  full.metadata.causation_id = new_uuid();
  full.metadata.user_id = "alice";
  full.metadata.tenant_id = "acme";
  full.metadata.custom = {{"trace", "00-abc-01"}, {"empty", ""}, {"\xC3\xBC", "\xC3\x9F"}};
  const auto sent_metadata = full.metadata;
  std::vector<event_data> events{std::move(full), make_event("Tagged", nullptr)};
  co_await append_ok(store, stream, expected_version::any(), std::move(events));

  read_all_filter filter;
  filter.categories = {category};
  const auto both = co_await read_both_ways(store, stream, filter);
  for (const auto* read : {&both[0], &both[1]}) {
    BOOST_TEST_REQUIRE(read->size() == 2u);
    const auto& tagged = (*read)[0];
    BOOST_TEST(tagged.event_id == to_lower(upper_id));
    BOOST_TEST((tagged.metadata == sent_metadata));
    BOOST_TEST(tagged.metadata.custom.size() == 3u);
    BOOST_TEST(tagged.data.at("total") == 42);
    const auto& plain = (*read)[1];
    BOOST_TEST(is_uuid(plain.event_id), "a generated id: " << plain.event_id);
    BOOST_TEST(plain.event_id == to_lower(plain.event_id));
    BOOST_TEST((plain.metadata == event_metadata{}));
    BOOST_TEST(plain.data.is_null());
  }
}

asio::awaitable<void> unicode_round_trip_test(store_harness& h) {
  auto& store = h.store();
  // 4-byte UTF-8 (U+1D11E, U+1F600), 2- and 3-byte, quotes, backslashes, control characters.
  const std::string text =
      "clef \xF0\x9D\x84\x9E \"quoted\" back\\slash \\\" tab\t nl\n cr\r ctl\x01\x02\x1f "
      "\xC3\xBCn\xC3\xAF \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
  const auto category = "\xC3\x9Cni" + random_token();
  const auto stream = h.unique_stream(category);
  const std::string type = "Noted\xE2\x9C\x93";
  boost::json::array values;
  values.emplace_back(1);
  values.emplace_back(-42);
  values.emplace_back(std::int64_t{9'007'199'254'740'993});  // not exact as a double
  values.emplace_back(1.5);
  values.emplace_back(true);
  values.emplace_back(nullptr);
  values.emplace_back(text);
  boost::json::object nested;
  nested["s"] = text;
  boost::json::object data;
  data["text"] = text;
  data[text] = std::move(values);
  data["nested"] = std::move(nested);
  auto event = make_event(type, data, new_uuid());
  event.metadata.correlation_id = text;
  event.metadata.custom[text] = text;
  const auto sent_metadata = event.metadata;
  std::vector<event_data> events{std::move(event)};
  co_await append_ok(store, stream, expected_version::any(), std::move(events));

  read_all_filter filter;
  filter.categories = {category};
  filter.event_types = {type};
  const auto both = co_await read_both_ways(store, stream, filter);
  for (const auto* read : {&both[0], &both[1]}) {
    BOOST_TEST_REQUIRE(read->size() == 1u);
    const auto& e = read->front();
    BOOST_TEST(e.stream_id == stream);
    BOOST_TEST(e.type == type);
    BOOST_TEST(e.data == boost::json::value(data));
    BOOST_TEST((e.metadata == sent_metadata));
  }
}

asio::awaitable<void> large_payload_round_trip_test(store_harness& h) {
  auto& store = h.store();
  const auto category = unique_name();
  const auto stream = h.unique_stream(category);
  // ~512 KiB mixing characters that JSON escapes and multi-byte UTF-8.
  const std::vector<std::string> pieces{"abcdefgh", "\xC3\xBC", "\xF0\x9D\x84\x9E", "\"", "\\", "\n", "0123456789"};
  std::string blob;
  for (std::size_t i = 0; blob.size() < 512 * 1024; ++i) blob += pieces[i % pieces.size()];
  boost::json::array numbers;
  for (int i = 0; i < 5000; ++i) numbers.emplace_back(i * 7919);
  boost::json::object data;
  data["blob"] = blob;
  data["numbers"] = std::move(numbers);
  const boost::json::value sent(std::move(data));
  std::vector<event_data> events{make_event("Bulky", sent, new_uuid())};
  co_await append_ok(store, stream, expected_version::any(), std::move(events));

  read_all_filter filter;
  filter.categories = {category};
  const auto both = co_await read_both_ways(store, stream, filter);
  for (const auto* read : {&both[0], &both[1]}) {
    BOOST_TEST_REQUIRE(read->size() == 1u);
    const auto& got = read->front().data;
    // Not BOOST_TEST(a == b): that would print half a megabyte on failure.
    BOOST_TEST((got == sent), "the payload changed on its way through the store");
    BOOST_TEST((got.is_object() && got.at("blob").as_string().size() == blob.size()));
  }
}

}  // namespace

void read_stream_forward(store_harness& h) { h.run([&h] { return read_stream_forward_test(h); }); }
void read_stream_backward(store_harness& h) { h.run([&h] { return read_stream_backward_test(h); }); }
void read_stream_errors(store_harness& h) { h.run([&h] { return read_stream_errors_test(h); }); }
void read_all_order(store_harness& h) { h.run([&h] { return read_all_order_test(h); }); }
void read_all_pages(store_harness& h) { h.run([&h] { return read_all_pages_test(h); }); }
void read_all_filters(store_harness& h) { h.run([&h] { return read_all_filters_test(h); }); }
void read_all_next(store_harness& h) { h.run([&h] { return read_all_next_test(h); }); }
void stream_info_fields(store_harness& h) { h.run([&h] { return stream_info_fields_test(h); }); }
void metadata_round_trip(store_harness& h) { h.run([&h] { return metadata_round_trip_test(h); }); }
void unicode_round_trip(store_harness& h) { h.run([&h] { return unicode_round_trip_test(h); }); }
void large_payload_round_trip(store_harness& h) { h.run([&h] { return large_payload_round_trip_test(h); }); }

}  // namespace mink::test::conformance

// Conformance suite, part 1: appends (expected versions, atomicity, idempotency, validation,
// concurrency). Part 2, reads, is in event_store_conformance_reads.cpp.
#include "event_store_conformance_support.hpp"

#include <map>
#include <utility>

namespace mink::test {

std::string make_unique_stream(const std::string& category, std::uint64_t counter) {
  return category + "-" + std::to_string(counter) + "-" + conformance_support::random_token();
}

namespace conformance {
namespace {

using namespace conformance_support;
using kind = expected_version::kind;

/// Requires a wrong_expected_version outcome that names `expected` and `actual`.
void check_conflict(const error_code& ec, const append_result& r, const std::string& stream, expected_version expected,
                    std::uint64_t actual) {
  BOOST_TEST(ec == code(errc::wrong_expected_version));
  BOOST_TEST(r.stream_id == stream);
  BOOST_TEST_REQUIRE(r.expected.has_value());
  BOOST_TEST((*r.expected == expected), "expected " << r.expected->to_string() << ", want " << expected.to_string());
  BOOST_TEST_REQUIRE(r.actual_version.has_value());
  BOOST_TEST(*r.actual_version == actual);
  BOOST_TEST(r.positions.empty());
}

asio::awaitable<void> expected_version_rules_test(store_harness& h) {
  auto& store = h.store();
  // any, no_stream and exact(0) all accept a stream that does not exist yet (version 0).
  const std::vector<expected_version> creating{expected_version::any(), expected_version::no_stream(),
                                               expected_version::exact(0)};
  for (const auto expected : creating) {
    const auto stream = h.unique_stream();
    auto events = make_events("Created", 2);
    const auto r = co_await append_ok(store, stream, expected, std::move(events));
    BOOST_TEST(r.stream_id == stream);
    BOOST_TEST(r.version == 2u, "appending with " << expected.to_string());
    BOOST_TEST(r.positions.size() == 2u);
    BOOST_TEST(!r.replayed);
    BOOST_TEST(r.conflict_message().empty());
    const auto version = co_await current_version(store, stream);
    BOOST_TEST(version == 2u);
  }

  // stream_exists on a missing stream has its own error, not a version conflict.
  const auto missing = h.unique_stream();
  auto events = make_events("Created", 1);
  auto [ec, r] = co_await append(store, missing, expected_version::stream_exists(), std::move(events));
  BOOST_TEST(ec == code(errc::stream_not_found));
  BOOST_TEST(r.positions.empty());
  auto version = co_await current_version(store, missing);
  BOOST_TEST(version == 0u);

  // An exact version above 0 on a missing stream is a conflict with actual version 0.
  events = make_events("Created", 1);
  std::tie(ec, r) = co_await append(store, missing, expected_version::exact(1), std::move(events));
  check_conflict(ec, r, missing, expected_version::exact(1), 0);
  BOOST_TEST(r.conflict_message() ==
             "concurrency conflict on stream \"" + missing + "\": expected version 1, got 0");
  version = co_await current_version(store, missing);
  BOOST_TEST(version == 0u);
}

asio::awaitable<void> expected_version_conflicts_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream();
  auto events = make_events("Created", 2);
  co_await append_ok(store, stream, expected_version::no_stream(), std::move(events));

  // Every expectation that a stream at version 2 does not meet.
  const std::vector<expected_version> rejected{expected_version::no_stream(), expected_version::exact(0),
                                               expected_version::exact(1), expected_version::exact(3)};
  for (const auto expected : rejected) {
    events = make_events("Changed", 3);
    auto [ec, r] = co_await append(store, stream, expected, std::move(events));
    check_conflict(ec, r, stream, expected, 2);
  }
  events = make_events("Changed", 1);
  auto [ec, r] = co_await append(store, stream, expected_version::exact(1), std::move(events));
  BOOST_TEST(ec == code(errc::wrong_expected_version));
  BOOST_TEST(r.conflict_message() == "concurrency conflict on stream \"" + stream + "\": expected version 1, got 2");
  events = make_events("Changed", 1);
  std::tie(ec, r) = co_await append(store, stream, expected_version::no_stream(), std::move(events));
  BOOST_TEST(r.conflict_message() == "concurrency conflict on stream \"" + stream + "\": expected no stream, got 2");
  const auto version = co_await current_version(store, stream);
  BOOST_TEST(version == 2u);

  // And every expectation that it does meet, each moving the version on.
  events = make_events("Changed", 1);
  auto ok = co_await append_ok(store, stream, expected_version::exact(2), std::move(events));
  BOOST_TEST(ok.version == 3u);
  events = make_events("Changed", 2);
  ok = co_await append_ok(store, stream, expected_version::stream_exists(), std::move(events));
  BOOST_TEST(ok.version == 5u);
  events = make_events("Changed", 1);
  ok = co_await append_ok(store, stream, expected_version::any(), std::move(events));
  BOOST_TEST(ok.version == 6u);
  BOOST_TEST(!ok.expected.has_value());
  BOOST_TEST(!ok.actual_version.has_value());
  const auto stored = co_await read_whole_stream(store, stream);
  BOOST_TEST(stored.size() == 6u);
}

asio::awaitable<void> versions_are_contiguous_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream();
  const std::vector<std::size_t> batch_sizes{1, 3, 2, 1, 4};
  std::vector<event_data> appended;
  std::vector<append_result> results;
  std::uint64_t version = 0;
  for (std::size_t b = 0; b < batch_sizes.size(); ++b) {
    auto events = make_events("Counted", batch_sizes[b], static_cast<std::int64_t>(version));
    for (const auto& e : events) appended.push_back(e);
    // Alternate the kinds of expectation: the versions must not depend on it.
    const auto expected = b % 2 == 0 ? expected_version::exact(version) : expected_version::any();
    auto r = co_await append_ok(store, stream, expected, std::move(events));
    version += batch_sizes[b];
    BOOST_TEST(r.version == version);
    BOOST_TEST_REQUIRE(r.positions.size() == batch_sizes[b]);
    BOOST_TEST(std::is_sorted(r.positions.begin(), r.positions.end()));
    BOOST_TEST(r.transaction_id > 0u);
    results.push_back(std::move(r));
  }

  const auto events = co_await read_whole_stream(store, stream);
  BOOST_TEST_REQUIRE(events.size() == appended.size());
  std::size_t i = 0;
  for (const auto& r : results) {
    for (const auto position : r.positions) {
      const auto& e = events[i];
      BOOST_TEST(e.version == i + 1);
      BOOST_TEST(e.stream_id == stream);
      BOOST_TEST(e.position == position);
      BOOST_TEST(e.transaction_id == r.transaction_id);
      BOOST_TEST(e.event_id == appended[i].event_id);
      BOOST_TEST(e.type == appended[i].type);
      BOOST_TEST(e.data == appended[i].data);
      if (i > 0) BOOST_TEST((events[i - 1].log() < e.log()), "log order within one stream");
      ++i;
    }
  }
}

asio::awaitable<void> failed_append_writes_nothing_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream();
  auto events = make_events("Created", 2);
  co_await append_ok(store, stream, expected_version::no_stream(), std::move(events));

  // A conflicting batch of three: none of it may be written.
  const auto batch = make_events("Changed", 3);
  events = batch;
  auto [ec, r] = co_await append(store, stream, expected_version::exact(1), std::move(events));
  BOOST_TEST(ec == code(errc::wrong_expected_version));
  auto stored = co_await read_whole_stream(store, stream);
  BOOST_TEST(stored.size() == 2u);
  // A batch whose last event is invalid fails validation: none of it may be written either.
  events = make_events("Changed", 3);
  events.back().type.clear();
  std::tie(ec, r) = co_await append(store, stream, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::invalid_event));
  stored = co_await read_whole_stream(store, stream);
  BOOST_TEST(stored.size() == 2u);
  auto expected_ids = ids_of(stored);
  for (const auto& id : ids_of(batch)) expected_ids.push_back(id);

  // The ids of the failed batch were not stored: the same batch now appends as new events.
  events = batch;
  const auto ok = co_await append_ok(store, stream, expected_version::exact(2), std::move(events));
  BOOST_TEST(!ok.replayed);
  BOOST_TEST(ok.version == 5u);
  stored = co_await read_whole_stream(store, stream);
  BOOST_TEST(ids_of(stored) == expected_ids);

  // stream_exists on a missing stream creates nothing.
  const auto missing = h.unique_stream();
  events = make_events("Changed", 3);
  std::tie(ec, r) = co_await append(store, missing, expected_version::stream_exists(), std::move(events));
  BOOST_TEST(ec == code(errc::stream_not_found));
  auto [read_ec, none] = co_await read_stream(store, missing, 1, 10);
  BOOST_TEST(read_ec == code(errc::stream_not_found));
  BOOST_TEST(none.empty());
}

asio::awaitable<void> replayed_event_ids_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream();
  const auto batch = make_events("Created", 3);
  auto events = batch;
  const auto original = co_await append_ok(store, stream, expected_version::no_stream(), std::move(events));
  events = make_events("Changed", 1);
  co_await append_ok(store, stream, expected_version::exact(3), std::move(events));

  // A retry of the same append (here with an expectation that no longer holds): the original
  // outcome, nothing written.
  events = batch;
  auto again = co_await append_ok(store, stream, expected_version::no_stream(), std::move(events));
  BOOST_TEST(again.replayed);
  BOOST_TEST(again.stream_id == stream);
  BOOST_TEST(again.version == 3u);
  BOOST_TEST(again.positions == original.positions);
  BOOST_TEST(again.transaction_id == original.transaction_id);
  auto stored = co_await read_whole_stream(store, stream);
  BOOST_TEST(stored.size() == 4u);

  // Ids are compared as UUIDs: the retry may spell them in upper case.
  events = batch;
  for (auto& e : events) e.event_id = to_upper(e.event_id);
  again = co_await append_ok(store, stream, expected_version::any(), std::move(events));
  BOOST_TEST(again.replayed);
  BOOST_TEST(again.positions == original.positions);

  // The tail of the batch, still in order at consecutive versions, is a replay too.
  events.assign(batch.begin() + 1, batch.end());
  again = co_await append_ok(store, stream, expected_version::any(), std::move(events));
  BOOST_TEST(again.replayed);
  BOOST_TEST(again.version == 3u);
  BOOST_TEST(again.positions == std::vector<std::int64_t>(original.positions.begin() + 1, original.positions.end()));

  // Stored ids in another order, or with a new event added, are not the same append.
  events = {batch[1], batch[0]};
  auto [ec, r] = co_await append(store, stream, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::duplicate_event_id));
  events = batch;
  events.push_back(make_events("Changed", 1).front());
  std::tie(ec, r) = co_await append(store, stream, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::duplicate_event_id));
  BOOST_TEST(!r.replayed);
  stored = co_await read_whole_stream(store, stream);
  BOOST_TEST(stored.size() == 4u);
}

asio::awaitable<void> duplicate_event_ids_test(store_harness& h) {
  auto& store = h.store();
  const auto first = h.unique_stream();
  const auto stored = make_events("Created", 2);
  auto events = stored;
  co_await append_ok(store, first, expected_version::any(), std::move(events));

  // A new event reusing a stored id in another stream.
  const auto other = h.unique_stream();
  events = {make_event("Created", nullptr, stored[0].event_id)};
  auto [ec, r] = co_await append(store, other, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::duplicate_event_id));
  BOOST_TEST(!r.replayed);
  // A stored id later in a batch, in the same stream or another.
  events = make_events("Changed", 1);
  events.push_back(stored[1]);
  std::tie(ec, r) = co_await append(store, first, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::duplicate_event_id));
  events = make_events("Changed", 1);
  events.push_back(stored[1]);
  std::tie(ec, r) = co_await append(store, other, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::duplicate_event_id));
  // The same new id twice in one batch, also when spelled in two cases.
  const auto id = new_uuid();
  events = {make_event("Changed", nullptr, id), make_event("Changed", nullptr, id)};
  std::tie(ec, r) = co_await append(store, other, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::duplicate_event_id));
  events = {make_event("Changed", nullptr, id), make_event("Changed", nullptr, to_upper(id))};
  std::tie(ec, r) = co_await append(store, other, expected_version::any(), std::move(events));
  BOOST_TEST(ec == code(errc::duplicate_event_id));

  // None of those wrote anything.
  const auto other_version = co_await current_version(store, other);
  BOOST_TEST(other_version == 0u);
  const auto first_version = co_await current_version(store, first);
  BOOST_TEST(first_version == 2u);
  events = {make_event("Changed", nullptr, id)};
  const auto ok = co_await append_ok(store, other, expected_version::no_stream(), std::move(events));
  BOOST_TEST(!ok.replayed);
}

asio::awaitable<void> invalid_appends_test(store_harness& h) {
  auto& store = h.store();
  const auto stream = h.unique_stream();
  struct invalid_append {
    std::string stream_id;
    std::vector<event_data> events;
    errc want;
    const char* what;
  };
  // Just above the default 1 MiB limit, in the data and in the metadata.
  const std::string big(1024 * 1024 + 100 * 1024, 'x');
  auto big_metadata = make_event("Created", nullptr);
  big_metadata.metadata.custom["note"] = big;
  std::vector<invalid_append> cases;
  cases.push_back({"", make_events("Created", 1), errc::empty_stream_id, "empty stream id"});
  cases.push_back({stream, {}, errc::no_events, "no events"});
  cases.push_back({stream, {make_event("", nullptr)}, errc::invalid_event, "empty type"});
  cases.push_back({stream, {make_event("Created", nullptr, "not-a-uuid")}, errc::invalid_event, "malformed id"});
  cases.push_back({stream, {make_event("Created", nullptr, new_uuid() + "0")}, errc::invalid_event, "long id"});
  cases.push_back({stream, {make_event("Created", boost::json::string(big))}, errc::event_too_large, "big data"});
  cases.push_back({stream, {big_metadata}, errc::event_too_large, "big metadata"});
  for (auto& c : cases) {
    auto [ec, r] = co_await append(store, c.stream_id, expected_version::any(), std::move(c.events));
    BOOST_TEST(ec == code(c.want), c.what);
    BOOST_TEST(r.positions.empty(), c.what);
  }
  auto version = co_await current_version(store, stream);
  BOOST_TEST(version == 0u);

  // Validation comes first: an invalid event is reported even when the version also conflicts.
  auto events = make_events("Created", 1);
  co_await append_ok(store, stream, expected_version::any(), std::move(events));
  events = {make_event("", nullptr)};
  auto [ec, r] = co_await append(store, stream, expected_version::exact(7), std::move(events));
  BOOST_TEST(ec == code(errc::invalid_event));
  version = co_await current_version(store, stream);
  BOOST_TEST(version == 1u);
}

asio::awaitable<error_code> compete(persistence::event_store& store, std::string stream) {
  auto events = make_events("Created", 2);
  auto [ec, r] = co_await append(store, stream, expected_version::exact(0), std::move(events));
  if (ec) check_conflict(ec, r, stream, expected_version::exact(0), 2);
  co_return ec;
}

asio::awaitable<void> competing_writers_test(store_harness& h) {
  // Of writers at the same expected version exactly one wins; the others see its version.
  const auto stream = h.unique_stream();
  std::vector<asio::awaitable<error_code>> writers;
  for (int i = 0; i < 6; ++i) writers.push_back(compete(h.store(), stream));
  const auto outcomes = co_await when_all(std::move(writers));
  BOOST_TEST(std::count(outcomes.begin(), outcomes.end(), error_code{}) == 1);
  const auto stored = co_await read_whole_stream(h.store(), stream);
  BOOST_TEST(stored.size() == 2u);
}

/// Appends `count` events one at a time with exact expected versions, re-reading the version
/// after each conflict. Returns how many conflicts it met.
asio::awaitable<std::size_t> append_worker(persistence::event_store& store, std::string stream, int worker,
                                           int count) {
  std::size_t conflicts = 0;
  for (int n = 0; n < count; ++n) {
    boost::json::object data;
    data["worker"] = worker;
    data["n"] = n;
    const auto event = make_event("Counted", std::move(data), new_uuid());
    auto version = co_await current_version(store, stream);
    for (int attempt = 0;; ++attempt) {
      BOOST_REQUIRE_MESSAGE(attempt < 10'000, "worker " << worker << " never got its append in");
      std::vector<event_data> events{event};  // the same id on every attempt: a failed one stored nothing
      auto [ec, r] = co_await append(store, stream, expected_version::exact(version), std::move(events));
      if (!ec) {
        BOOST_TEST(r.version == version + 1);
        BOOST_TEST(!r.replayed);
        break;
      }
      BOOST_REQUIRE_MESSAGE(ec == errc::wrong_expected_version, "worker " << worker << ": " << ec.message());
      BOOST_TEST((r.actual_version && *r.actual_version > version));
      ++conflicts;
      version = co_await current_version(store, stream);
    }
  }
  co_return conflicts;
}

asio::awaitable<void> concurrent_appends_test(store_harness& h) {
  constexpr int workers = 8;
  constexpr int per_worker = 25;
  const auto stream = h.unique_stream();
  std::vector<asio::awaitable<std::size_t>> tasks;
  for (int w = 0; w < workers; ++w) tasks.push_back(append_worker(h.store(), stream, w, per_worker));
  co_await when_all(std::move(tasks));

  // Versions 1..200 with no gap, each worker's events once each and in its own order.
  const auto events = co_await read_whole_stream(h.store(), stream);
  BOOST_TEST_REQUIRE(events.size() == static_cast<std::size_t>(workers * per_worker));
  std::map<std::int64_t, std::int64_t> next_n;
  for (std::size_t i = 0; i < events.size(); ++i) {
    BOOST_TEST(events[i].version == i + 1);
    const auto& data = events[i].data.as_object();
    const auto worker = data.at("worker").to_number<std::int64_t>();
    BOOST_TEST(data.at("n").to_number<std::int64_t>() == next_n[worker]++, "worker " << worker);
  }
  BOOST_TEST(next_n.size() == static_cast<std::size_t>(workers));
  const auto version = co_await current_version(h.store(), stream);
  BOOST_TEST(version == static_cast<std::uint64_t>(workers * per_worker));
}

}  // namespace

void expected_version_rules(store_harness& h) { h.run([&h] { return expected_version_rules_test(h); }); }
void expected_version_conflicts(store_harness& h) { h.run([&h] { return expected_version_conflicts_test(h); }); }
void versions_are_contiguous(store_harness& h) { h.run([&h] { return versions_are_contiguous_test(h); }); }
void failed_append_writes_nothing(store_harness& h) { h.run([&h] { return failed_append_writes_nothing_test(h); }); }
void replayed_event_ids(store_harness& h) { h.run([&h] { return replayed_event_ids_test(h); }); }
void duplicate_event_ids(store_harness& h) { h.run([&h] { return duplicate_event_ids_test(h); }); }
void invalid_appends(store_harness& h) { h.run([&h] { return invalid_appends_test(h); }); }
void competing_writers(store_harness& h) { h.run([&h] { return competing_writers_test(h); }); }
void concurrent_appends(store_harness& h) { h.run([&h] { return concurrent_appends_test(h); }); }

}  // namespace conformance
}  // namespace mink::test

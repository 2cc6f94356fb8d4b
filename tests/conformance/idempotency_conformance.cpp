// Conformance of idempotency keys: recorded with appends (atomically with their events) and
// through the idempotency store; repeats, reuse with another fingerprint, expiry, bad input.
#include "event_store_conformance_support.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace mink::test::conformance {

using namespace conformance_support;
using persistence::append_options;
using persistence::idempotency_claim;
using persistence::idempotency_record;
using persistence::idempotency_status;

namespace {

append_options with_key(const std::string& key, const std::string& fingerprint, boost::json::value response = {},
                        std::chrono::seconds ttl = persistence::default_idempotency_ttl) {
  idempotency_claim claim;
  claim.key = key;
  claim.fingerprint = fingerprint;
  claim.ttl = ttl;
  claim.response = std::move(response);
  append_options options;
  options.idempotency = std::move(claim);
  return options;
}

asio::awaitable<std::tuple<error_code, append_result>> append_with(persistence::event_store& store, std::string stream,
                                                                   expected_version expected,
                                                                   std::vector<event_data> events,
                                                                   append_options options) {
  auto result = co_await store.async_append(std::move(stream), expected, std::move(events), std::move(options),
                                            tuple_awaitable);
  co_return result;
}

idempotency_record make_record(const std::string& key, const std::string& fingerprint, boost::json::value result,
                               idempotency_status status = idempotency_status::completed) {
  idempotency_record r;
  r.key = key;
  r.fingerprint = fingerprint;
  r.status = status;
  r.result = std::move(result);
  return r;
}

boost::json::value response_body(const std::string& order) {
  boost::json::object o;
  o["order_id"] = order;
  o["note"] = "créé";
  return o;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(tuple_awaitable);
}

}  // namespace

void idempotent_append_by_key(store_harness& h) {
  const auto stream = h.unique_stream();
  const auto key = unique_name("key");
  h.run([&]() -> asio::awaitable<void> {
    auto [e1, first] = co_await append_with(h.store(), stream, expected_version::no_stream(), make_events("Placed", 2),
                                            with_key(key, "fp-1", response_body("o-1")));
    BOOST_REQUIRE_MESSAGE(!e1, e1.message());
    BOOST_TEST(!first.replayed);
    BOOST_TEST(!first.replayed_by_key);
    BOOST_TEST(first.version == 2u);
    // The repeat carries new event ids (the command ran again and decided anew): the key, not the
    // ids, makes it a repeat. It writes nothing and answers as the first did.
    auto [e2, again] = co_await append_with(h.store(), stream, expected_version::any(), make_events("Placed", 1),
                                            with_key(key, "fp-1"));
    BOOST_REQUIRE_MESSAGE(!e2, e2.message());
    BOOST_TEST(again.replayed);
    BOOST_TEST(again.replayed_by_key);
    BOOST_TEST(again.version == 2u);
    BOOST_TEST(again.positions == first.positions);
    BOOST_TEST(again.transaction_id == first.transaction_id);
    BOOST_TEST(again.response == response_body("o-1"));
    BOOST_TEST(co_await current_version(h.store(), stream) == 2u);
    // The record is visible through the idempotency store, with the append's result.
    auto [e3, record] = co_await h.idempotency().async_find(key, tuple_awaitable);
    BOOST_REQUIRE(!e3);
    BOOST_REQUIRE(record.has_value());
    BOOST_TEST(record->fingerprint == "fp-1");
    BOOST_TEST((record->status == idempotency_status::completed));
    BOOST_TEST(record->result.at("stream_id") == boost::json::value(stream));
    BOOST_TEST(record->result.at("version") == boost::json::value(2));
    BOOST_TEST(record->result.at("response") == response_body("o-1"));
    BOOST_TEST((record->expires_at > record->created_at + std::chrono::hours(23)));
  });
}

void idempotency_key_reused(store_harness& h) {
  const auto stream = h.unique_stream();
  const auto other = h.unique_stream();
  const auto key = unique_name("key");
  h.run([&]() -> asio::awaitable<void> {
    auto [e1, first] = co_await append_with(h.store(), stream, expected_version::any(), make_events("Placed", 1),
                                            with_key(key, "fp-1"));
    BOOST_REQUIRE(!e1);
    auto [e2, reused] = co_await append_with(h.store(), other, expected_version::any(), make_events("Placed", 1),
                                             with_key(key, "fp-2"));
    BOOST_TEST(e2 == code(errc::idempotency_key_reused));
    BOOST_TEST(co_await current_version(h.store(), other) == 0u);  // nothing written
    auto [e3, saved] = co_await h.idempotency().async_save(make_record(key, "fp-3", {}), std::chrono::hours(1),
                                                           tuple_awaitable);
    BOOST_TEST(e3 == code(errc::idempotency_key_reused));
    BOOST_REQUIRE(saved.has_value());
    BOOST_TEST(saved->fingerprint == "fp-1");  // the live record is left as it was
  });
}

void failed_append_leaves_key_free(store_harness& h) {
  const auto stream = h.unique_stream();
  const auto key = unique_name("key");
  h.run([&]() -> asio::awaitable<void> {
    auto [e1, conflict] = co_await append_with(h.store(), stream, expected_version::exact(3), make_events("Placed", 1),
                                               with_key(key, "fp"));
    BOOST_TEST(e1 == code(errc::wrong_expected_version));
    auto [e2, none] = co_await h.idempotency().async_find(key, tuple_awaitable);
    BOOST_TEST(!e2);
    BOOST_TEST(!none.has_value());
    // The corrected command runs with the same key.
    auto [e3, ok] = co_await append_with(h.store(), stream, expected_version::no_stream(), make_events("Placed", 1),
                                         with_key(key, "fp"));
    BOOST_TEST(!e3);
    BOOST_TEST(!ok.replayed);
    BOOST_TEST(ok.version == 1u);
  });
}

// Sixteen callers race with one key on sixteen streams: exactly one appends, every other answers
// from its record, and only one stream has events.
void concurrent_appends_with_one_key(store_harness& h) {
  const auto key = unique_name("key");
  std::vector<std::string> streams;
  for (int i = 0; i < 16; ++i) streams.push_back(h.unique_stream());
  h.run([&]() -> asio::awaitable<void> {
    std::vector<asio::awaitable<std::tuple<error_code, append_result>>> tasks;
    for (const auto& s : streams) {
      tasks.push_back(append_with(h.store(), s, expected_version::any(), make_events("Placed", 1), with_key(key, "fp")));
    }
    auto results = co_await when_all(std::move(tasks));
    int written = 0;
    std::vector<std::int64_t> positions;
    for (const auto& [ec, r] : results) {
      BOOST_REQUIRE_MESSAGE(!ec, ec.message());
      if (!r.replayed) {
        ++written;
        positions = r.positions;
      }
    }
    BOOST_TEST(written == 1);
    int with_events = 0;
    for (const auto& s : streams) with_events += co_await current_version(h.store(), s) > 0 ? 1 : 0;
    BOOST_TEST(with_events == 1);
    for (const auto& [ec, r] : results) {
      if (r.replayed) BOOST_TEST(r.positions == positions);
    }
  });
}

void idempotency_record_save_and_find(store_harness& h) {
  const auto key = unique_name("key");
  h.run([&]() -> asio::awaitable<void> {
    auto [e0, none] = co_await h.idempotency().async_find(key, tuple_awaitable);
    BOOST_TEST(!e0);
    BOOST_TEST(!none.has_value());
    boost::json::object refusal;
    refusal["error"] = "order already shipped";
    refusal["status"] = 409;
    const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
    auto [e1, existing] = co_await h.idempotency().async_save(
        make_record(key, "fp", refusal, idempotency_status::failed), std::chrono::hours(2), tuple_awaitable);
    BOOST_TEST(!e1);
    BOOST_TEST(!existing.has_value());  // stored
    auto [e2, found] = co_await h.idempotency().async_find(key, tuple_awaitable);
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->key == key);
    BOOST_TEST(found->fingerprint == "fp");
    BOOST_TEST((found->status == idempotency_status::failed));
    BOOST_TEST(found->result == boost::json::value(refusal));
    BOOST_TEST((found->created_at > before));
    const auto ttl = found->expires_at - found->created_at;
    BOOST_TEST((ttl > std::chrono::minutes(119) && ttl < std::chrono::minutes(121)));
    // A repeat stores nothing and gets the record.
    auto [e3, repeat] = co_await h.idempotency().async_save(make_record(key, "fp", {}), std::chrono::hours(1),
                                                            tuple_awaitable);
    BOOST_TEST(!e3);
    BOOST_REQUIRE(repeat.has_value());
    BOOST_TEST(repeat->result == boost::json::value(refusal));
  });
}

void idempotency_record_guards_appends(store_harness& h) {
  const auto stream = h.unique_stream();
  const auto key = unique_name("key");
  h.run([&]() -> asio::awaitable<void> {
    boost::json::object refusal;
    refusal["error"] = "declined";
    auto [e1, stored] = co_await h.idempotency().async_save(make_record(key, "fp", refusal, idempotency_status::failed),
                                                            std::chrono::hours(1), tuple_awaitable);
    BOOST_REQUIRE(!e1);
    auto [e2, r] = co_await append_with(h.store(), stream, expected_version::any(), make_events("Placed", 1),
                                        with_key(key, "fp"));
    BOOST_TEST(!e2);
    BOOST_TEST(r.replayed_by_key);
    BOOST_TEST(r.version == 0u);
    BOOST_TEST(r.response == boost::json::value(refusal));  // a record not written by an append: its result
    BOOST_TEST(co_await current_version(h.store(), stream) == 0u);
  });
}

void idempotency_records_expire(store_harness& h) {
  const auto key = unique_name("key");
  const auto stream = h.unique_stream();
  h.run([&]() -> asio::awaitable<void> {
    auto [e1, r1] = co_await append_with(h.store(), stream, expected_version::any(), make_events("Placed", 1),
                                         with_key(key, "fp-1", {}, std::chrono::seconds(1)));
    BOOST_REQUIRE(!e1);
    co_await sleep_for(std::chrono::milliseconds(1300));
    auto [e2, gone] = co_await h.idempotency().async_find(key, tuple_awaitable);
    BOOST_TEST(!e2);
    BOOST_TEST(!gone.has_value());  // expired: as good as absent
    // An expired key may be used again, even for something else.
    auto [e3, r3] = co_await append_with(h.store(), stream, expected_version::any(), make_events("Placed", 1),
                                         with_key(key, "fp-2", {}, std::chrono::seconds(1)));
    BOOST_TEST(!e3);
    BOOST_TEST(!r3.replayed);
    BOOST_TEST(r3.version == 2u);
    co_await sleep_for(std::chrono::milliseconds(1300));
    auto [e4, purged] = co_await h.idempotency().async_purge_expired(tuple_awaitable);
    BOOST_TEST(!e4);
    BOOST_TEST(purged >= 1u);
    // Purged, the key is free: a save stores anew.
    auto [e5, existing] = co_await h.idempotency().async_save(make_record(key, "fp-3", {}), std::chrono::hours(1),
                                                              tuple_awaitable);
    BOOST_TEST(!e5);
    BOOST_TEST(!existing.has_value());
  });
}

// What each bad input gets; none of them writes anything.
void idempotency_invalid_input(store_harness& h) {
  const auto stream = h.unique_stream();
  h.run([&]() -> asio::awaitable<void> {
    auto [e1, r1] = co_await append_with(h.store(), stream, expected_version::any(), make_events("Placed", 1),
                                         with_key("", "fp"));
    BOOST_TEST(e1 == code(errc::empty_name));
    auto [e2, r2] = co_await append_with(h.store(), stream, expected_version::any(), make_events("Placed", 1),
                                         with_key(unique_name("key"), "fp", {}, std::chrono::seconds(0)));
    BOOST_TEST(e2 == code(errc::invalid_ttl));
    BOOST_TEST(co_await current_version(h.store(), stream) == 0u);
    auto [e3, s3] = co_await h.idempotency().async_save(make_record("", "fp", {}), std::chrono::hours(1), tuple_awaitable);
    BOOST_TEST(e3 == code(errc::empty_name));
    auto [e4, s4] = co_await h.idempotency().async_save(make_record(unique_name("key"), "fp", {}),
                                                        std::chrono::seconds(-5), tuple_awaitable);
    BOOST_TEST(e4 == code(errc::invalid_ttl));
    auto [e5, f5] = co_await h.idempotency().async_find("", tuple_awaitable);
    BOOST_TEST(e5 == code(errc::empty_name));
  });
}

}  // namespace mink::test::conformance

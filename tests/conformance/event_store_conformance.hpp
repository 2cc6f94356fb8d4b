#pragma once
// One conformance suite for every event_store implementation (in the spirit of Akka's
// persistence TCK): each store's tests provide a store_harness and run the same behaviours, so
// the in-memory store that users test against cannot drift from the PostgreSQL store.

#include <mink/persistence/event_store.hpp>
#include <mink/persistence/checkpoint_store.hpp>
#include <mink/persistence/idempotency_store.hpp>
#include <mink/persistence/deadline_store.hpp>
#include <mink/persistence/saga_store.hpp>
#include <mink/persistence/snapshot_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace mink::test {

/// What the suite needs from a store under test. The store must use the default
/// max_event_bytes (1 MiB) and may hold other tests' events: the suite only touches streams from
/// unique_stream() and filters read_all by categories and types of its own.
struct store_harness {
  virtual ~store_harness() = default;
  virtual persistence::event_store& store() = 0;
  /// The snapshot store of the same implementation.
  virtual persistence::snapshot_store& snapshots() = 0;
  /// The checkpoint store of the same implementation.
  virtual persistence::checkpoint_store& checkpoints() = 0;
  /// The idempotency store of the same implementation, sharing its records with store()'s
  /// appends.
  virtual persistence::idempotency_store& idempotency() = 0;
  /// The saga store of the same implementation.
  virtual persistence::saga_store& sagas() = 0;
  /// The deadline store of the same implementation. It may hold other tests' deadlines, due or
  /// not: the suite claims only with the real current time, and asserts only about its own.
  virtual persistence::deadline_store& deadlines() = 0;
  virtual boost::asio::io_context& context() = 0;
  /// Runs a coroutine on context() to completion with a deadline (rethrows its exception).
  /// Drives context() from the calling thread only: Boost.Test assertions are not thread-safe.
  virtual void run(std::function<boost::asio::awaitable<void>()> test) = 0;
  /// A stream id in `category` unique to this harness instance and call; make_unique_stream()
  /// builds one.
  virtual std::string unique_stream(const std::string& category = "Order") = 0;
};

/// "<category>-<counter>-<random hex>": unique across harness instances and processes (the
/// PostgreSQL store keeps its data between test runs), with `category` as its stream category.
std::string make_unique_stream(const std::string& category, std::uint64_t counter);

namespace conformance {

// Appends (event_store_conformance.cpp).
void expected_version_rules(store_harness& h);      ///< Every kind on a new stream.
void expected_version_conflicts(store_harness& h);  ///< Every kind on an existing stream, conflict details.
void versions_are_contiguous(store_harness& h);
void failed_append_writes_nothing(store_harness& h);
void replayed_event_ids(store_harness& h);
void duplicate_event_ids(store_harness& h);
void invalid_appends(store_harness& h);
void competing_writers(store_harness& h);
void concurrent_appends(store_harness& h);

// Reads (event_store_conformance_reads.cpp).
void read_stream_forward(store_harness& h);
void read_stream_backward(store_harness& h);
void read_stream_errors(store_harness& h);
void read_all_order(store_harness& h);
void read_all_pages(store_harness& h);
void read_all_filters(store_harness& h);
void read_all_next(store_harness& h);
void stream_info_fields(store_harness& h);
void metadata_round_trip(store_harness& h);
void unicode_round_trip(store_harness& h);
void large_payload_round_trip(store_harness& h);

// Positions (event_store_conformance_positions.cpp).
void log_position_of(store_harness& h);  ///< A global position resolves to its log position.
void head_position(store_harness& h);    ///< The highest committed global position.

// Snapshots (snapshot_store_conformance.cpp).
void snapshot_latest_version_wins(store_harness& h);
void snapshot_missing_and_invalid(store_harness& h);
void snapshot_data_round_trip(store_harness& h);

// Checkpoints (checkpoint_store_conformance.cpp).
void checkpoint_save_load_replace(store_harness& h);
void checkpoint_missing_and_invalid(store_harness& h);

// Idempotency keys, with appends and alone (idempotency_conformance.cpp).
void idempotent_append_by_key(store_harness& h);
void idempotency_key_reused(store_harness& h);
void failed_append_leaves_key_free(store_harness& h);
void concurrent_appends_with_one_key(store_harness& h);
void idempotency_record_save_and_find(store_harness& h);
void idempotency_record_guards_appends(store_harness& h);
void idempotency_records_expire(store_harness& h);
void idempotency_invalid_input(store_harness& h);

// Units of work (unit_of_work_conformance.cpp).
void unit_commits_every_write(store_harness& h);
void unit_fails_as_a_whole(store_harness& h);
void unit_appends_to_one_stream_in_order(store_harness& h);
void unit_with_a_replayed_append(store_harness& h);
void unit_invalid_input(store_harness& h);

// Saga state (saga_store_conformance.cpp).
void saga_round_trip(store_harness& h);
void saga_optimistic_concurrency(store_harness& h);
void saga_concurrent_saves(store_harness& h);
void saga_invalid_input(store_harness& h);
void saga_find_by_correlation(store_harness& h);
void saga_counts_by_status(store_harness& h);

// Saga deadlines (deadline_store_conformance.cpp).
void deadline_claimed_once(store_harness& h);
void deadline_claim_order_and_max(store_harness& h);
void deadline_cancel(store_harness& h);
void deadline_next_due(store_harness& h);

}  // namespace conformance
}  // namespace mink::test

/// One Boost.Test case per conformance function, each on a fresh `Harness` (a default
/// constructible store_harness). Use inside a BOOST_AUTO_TEST_SUITE, so that a function added to
/// the suite runs against every store at once.
#define MINK_CONFORMANCE_CASE_(Harness, name) \
  BOOST_FIXTURE_TEST_CASE(name, Harness) { ::mink::test::conformance::name(*this); }

#define MINK_EVENT_STORE_CONFORMANCE_CASES(Harness)          \
  MINK_CONFORMANCE_CASE_(Harness, expected_version_rules)     \
  MINK_CONFORMANCE_CASE_(Harness, expected_version_conflicts) \
  MINK_CONFORMANCE_CASE_(Harness, versions_are_contiguous)    \
  MINK_CONFORMANCE_CASE_(Harness, failed_append_writes_nothing) \
  MINK_CONFORMANCE_CASE_(Harness, replayed_event_ids)         \
  MINK_CONFORMANCE_CASE_(Harness, duplicate_event_ids)        \
  MINK_CONFORMANCE_CASE_(Harness, invalid_appends)            \
  MINK_CONFORMANCE_CASE_(Harness, competing_writers)          \
  MINK_CONFORMANCE_CASE_(Harness, concurrent_appends)         \
  MINK_CONFORMANCE_CASE_(Harness, read_stream_forward)        \
  MINK_CONFORMANCE_CASE_(Harness, read_stream_backward)       \
  MINK_CONFORMANCE_CASE_(Harness, read_stream_errors)         \
  MINK_CONFORMANCE_CASE_(Harness, read_all_order)             \
  MINK_CONFORMANCE_CASE_(Harness, read_all_pages)             \
  MINK_CONFORMANCE_CASE_(Harness, read_all_filters)           \
  MINK_CONFORMANCE_CASE_(Harness, read_all_next)              \
  MINK_CONFORMANCE_CASE_(Harness, stream_info_fields)         \
  MINK_CONFORMANCE_CASE_(Harness, metadata_round_trip)        \
  MINK_CONFORMANCE_CASE_(Harness, unicode_round_trip)         \
  MINK_CONFORMANCE_CASE_(Harness, large_payload_round_trip) \
  MINK_CONFORMANCE_CASE_(Harness, log_position_of) \
  MINK_CONFORMANCE_CASE_(Harness, head_position) \
  MINK_CONFORMANCE_CASE_(Harness, snapshot_latest_version_wins) \
  MINK_CONFORMANCE_CASE_(Harness, snapshot_missing_and_invalid) \
  MINK_CONFORMANCE_CASE_(Harness, snapshot_data_round_trip) \
  MINK_CONFORMANCE_CASE_(Harness, checkpoint_save_load_replace) \
  MINK_CONFORMANCE_CASE_(Harness, checkpoint_missing_and_invalid) \
  MINK_CONFORMANCE_CASE_(Harness, idempotent_append_by_key) \
  MINK_CONFORMANCE_CASE_(Harness, idempotency_key_reused) \
  MINK_CONFORMANCE_CASE_(Harness, failed_append_leaves_key_free) \
  MINK_CONFORMANCE_CASE_(Harness, concurrent_appends_with_one_key) \
  MINK_CONFORMANCE_CASE_(Harness, idempotency_record_save_and_find) \
  MINK_CONFORMANCE_CASE_(Harness, idempotency_record_guards_appends) \
  MINK_CONFORMANCE_CASE_(Harness, idempotency_records_expire) \
  MINK_CONFORMANCE_CASE_(Harness, idempotency_invalid_input) \
  MINK_CONFORMANCE_CASE_(Harness, unit_commits_every_write) \
  MINK_CONFORMANCE_CASE_(Harness, unit_fails_as_a_whole) \
  MINK_CONFORMANCE_CASE_(Harness, unit_appends_to_one_stream_in_order) \
  MINK_CONFORMANCE_CASE_(Harness, unit_with_a_replayed_append) \
  MINK_CONFORMANCE_CASE_(Harness, unit_invalid_input) \
  MINK_CONFORMANCE_CASE_(Harness, saga_round_trip) \
  MINK_CONFORMANCE_CASE_(Harness, saga_optimistic_concurrency) \
  MINK_CONFORMANCE_CASE_(Harness, saga_concurrent_saves) \
  MINK_CONFORMANCE_CASE_(Harness, saga_invalid_input) \
  MINK_CONFORMANCE_CASE_(Harness, saga_find_by_correlation) \
  MINK_CONFORMANCE_CASE_(Harness, saga_counts_by_status) \
  MINK_CONFORMANCE_CASE_(Harness, deadline_claimed_once) \
  MINK_CONFORMANCE_CASE_(Harness, deadline_claim_order_and_max) \
  MINK_CONFORMANCE_CASE_(Harness, deadline_cancel) \
  MINK_CONFORMANCE_CASE_(Harness, deadline_next_due)

// The conformance suite against PostgreSQL, then what only PostgreSQL can show: migrations, the
// global log's commit-order guarantee, many writers on one stream, coalesced appends.
#include "pg_store_harness.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/json.hpp>

#include <mutex>

using namespace mink::test;
using namespace mink::persistence;
using mink::errc;
using mink::expected_version;

namespace mink::test {

void ensure_schema() {
  static std::once_flag once;
  std::call_once(once, [] {
    pool_fixture f(default_pool_params(1));
    f.run([&]() -> asio::awaitable<void> {
      auto [ec, version] = co_await async_migrate(f.pool, tuple_awaitable);
      BOOST_REQUIRE_MESSAGE(!ec, "migration failed: " << ec.message());
      BOOST_TEST(version == latest_schema_version());
    });
  });
}

}  // namespace mink::test

#define MINK_CONFORMANCE_CASE(name)   \
  BOOST_AUTO_TEST_CASE(name) {        \
    pg_store_harness h;               \
    mink::test::conformance::name(h); \
  }

BOOST_AUTO_TEST_SUITE(pg_event_store)

MINK_CONFORMANCE_CASE(expected_version_rules)
MINK_CONFORMANCE_CASE(expected_version_conflicts)
MINK_CONFORMANCE_CASE(versions_are_contiguous)
MINK_CONFORMANCE_CASE(failed_append_writes_nothing)
MINK_CONFORMANCE_CASE(replayed_event_ids)
MINK_CONFORMANCE_CASE(duplicate_event_ids)
MINK_CONFORMANCE_CASE(invalid_appends)
MINK_CONFORMANCE_CASE(competing_writers)
MINK_CONFORMANCE_CASE(concurrent_appends)
MINK_CONFORMANCE_CASE(read_stream_forward)
MINK_CONFORMANCE_CASE(read_stream_backward)
MINK_CONFORMANCE_CASE(read_stream_errors)
MINK_CONFORMANCE_CASE(read_all_order)
MINK_CONFORMANCE_CASE(read_all_pages)
MINK_CONFORMANCE_CASE(read_all_filters)
MINK_CONFORMANCE_CASE(read_all_next)
MINK_CONFORMANCE_CASE(stream_info_fields)
MINK_CONFORMANCE_CASE(metadata_round_trip)
MINK_CONFORMANCE_CASE(unicode_round_trip)
MINK_CONFORMANCE_CASE(large_payload_round_trip)

BOOST_AUTO_TEST_SUITE_END()

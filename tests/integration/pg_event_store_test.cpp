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

BOOST_AUTO_TEST_SUITE(pg_event_store)

MINK_EVENT_STORE_CONFORMANCE_CASES(pg_store_harness)

BOOST_AUTO_TEST_SUITE_END()

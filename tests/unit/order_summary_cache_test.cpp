// The order-summary cache: bounded LRU, invalidated by the projection's committed events, and
// never keeping a row read before an invalidation.

#include <ecommerce/read_model/order_summary_cache.hpp>

#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using ecommerce::order_summary;
using ecommerce::order_summary_cache;

namespace {

order_summary summary(std::string id, std::uint64_t version) {
  order_summary s;
  s.order_id = std::move(id);
  s.customer_id = "c";
  s.status = "Created";
  s.version = version;
  return s;
}

mink::recorded_event event_of(const std::string& order_id) {
  mink::recorded_event e;
  e.type = "ItemAdded";
  e.data = boost::json::object{{"order_id", order_id}};
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(summary_cache)

BOOST_AUTO_TEST_CASE(a_row_offered_at_the_current_generation_is_found) {
  order_summary_cache cache(10);
  BOOST_TEST(!cache.find("a").has_value());
  cache.offer(summary("a", 1), cache.generation());
  const auto found = cache.find("a");
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST(found->version == 1u);
}

BOOST_AUTO_TEST_CASE(a_row_read_before_an_invalidation_is_not_kept) {
  order_summary_cache cache(10);
  const auto before = cache.generation();
  // The projection commits a change to "a" while a reader is at the database ...
  cache.invalidate(std::vector<mink::recorded_event>{event_of("a")});
  // ... so the reader's (possibly old) row is refused.
  cache.offer(summary("a", 1), before);
  BOOST_TEST(!cache.find("a").has_value());
  cache.offer(summary("a", 2), cache.generation());
  BOOST_TEST(cache.find("a")->version == 2u);
}

BOOST_AUTO_TEST_CASE(invalidation_forgets_exactly_the_orders_of_the_events) {
  order_summary_cache cache(10);
  cache.offer(summary("a", 1), cache.generation());
  cache.offer(summary("b", 1), cache.generation());
  cache.invalidate(std::vector<mink::recorded_event>{event_of("a")});
  BOOST_TEST(!cache.find("a").has_value());
  BOOST_TEST(cache.find("b").has_value());
}

BOOST_AUTO_TEST_CASE(an_event_without_an_order_id_forgets_everything) {
  order_summary_cache cache(10);
  cache.offer(summary("a", 1), cache.generation());
  mink::recorded_event odd;
  odd.data = boost::json::object{{"something", 1}};
  cache.invalidate(std::vector<mink::recorded_event>{odd});
  BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE(the_least_recently_used_goes_when_full) {
  order_summary_cache cache(2);
  cache.offer(summary("a", 1), cache.generation());
  cache.offer(summary("b", 1), cache.generation());
  BOOST_TEST(cache.find("a").has_value());  // "b" is now the least recently used
  cache.offer(summary("c", 1), cache.generation());
  BOOST_TEST(cache.size() == 2u);
  BOOST_TEST(cache.find("a").has_value());
  BOOST_TEST(!cache.find("b").has_value());
  BOOST_TEST(cache.find("c").has_value());
}

BOOST_AUTO_TEST_CASE(clear_and_zero_capacity_keep_nothing) {
  order_summary_cache cache(4);
  cache.offer(summary("a", 1), cache.generation());
  const auto before = cache.generation();
  cache.clear();
  BOOST_TEST(cache.size() == 0u);
  cache.offer(summary("a", 1), before);
  BOOST_TEST(!cache.find("a").has_value());

  order_summary_cache none(0);
  none.offer(summary("a", 1), none.generation());
  BOOST_TEST(none.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

#include <mink/messaging/expected_version.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/test/unit_test.hpp>

#include <set>

BOOST_AUTO_TEST_SUITE(uuid)

BOOST_AUTO_TEST_CASE(new_uuids_are_version_4_and_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = mink::new_uuid();
    BOOST_REQUIRE(mink::is_uuid(id));
    BOOST_REQUIRE_EQUAL(id[14], '4');                                   // version
    BOOST_REQUIRE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');  // variant
    seen.insert(id);
  }
  BOOST_TEST(seen.size() == 10000u);
}

BOOST_AUTO_TEST_CASE(is_uuid_checks_the_canonical_form) {
  BOOST_TEST(mink::is_uuid("1B4E28BA-2FA1-4D2B-883F-0016D3CCA427"));
  BOOST_TEST(!mink::is_uuid("1b4e28ba2fa14d2b883f0016d3cca427"));
  BOOST_TEST(!mink::is_uuid("1b4e28ba-2fa1-4d2b-883f-0016d3cca42"));
  BOOST_TEST(!mink::is_uuid("1b4e28ba-2fa1-4d2b-883f-0016d3cca42g"));
  BOOST_TEST(!mink::is_uuid(""));
}

BOOST_AUTO_TEST_CASE(conflicts_read_as_the_guide_says) {
  BOOST_TEST(mink::describe_conflict("Order-1", mink::expected_version::exact(1), 2) ==
             "concurrency conflict on stream \"Order-1\": expected version 1, got 2");
  BOOST_TEST(mink::describe_conflict("Order-1", mink::expected_version::no_stream(), 3) ==
             "concurrency conflict on stream \"Order-1\": expected no stream, got 3");
  BOOST_TEST(mink::expected_version::exact(0).accepts(0));
  BOOST_TEST(!mink::expected_version::stream_exists().accepts(0));
  BOOST_TEST(mink::expected_version::any().accepts(7));
}

BOOST_AUTO_TEST_SUITE_END()

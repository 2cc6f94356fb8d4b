#include <mink/messaging/event_registry.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace mink;
using boost::system::error_code;

namespace shop {

struct order_created {
  std::string order_id;
  std::string customer_id;
};

void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_created& e) {
  v = {{"order_id", e.order_id}, {"customer_id", e.customer_id}};
}

order_created tag_invoke(boost::json::value_to_tag<order_created>, const boost::json::value& v) {
  const auto& o = v.as_object();  // throws on a wrong shape: try_value_to turns that into an error
  return {boost::json::value_to<std::string>(o.at("order_id")), boost::json::value_to<std::string>(o.at("customer_id"))};
}

struct order_cancelled {
  std::string reason;
};

void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_cancelled& e) { v = {{"reason", e.reason}}; }

order_cancelled tag_invoke(boost::json::value_to_tag<order_cancelled>, const boost::json::value& v) {
  return {boost::json::value_to<std::string>(v.as_object().at("reason"))};
}

}  // namespace shop

BOOST_AUTO_TEST_SUITE(event_registry)

BOOST_AUTO_TEST_CASE(encodes_and_decodes_registered_types) {
  mink::event_registry reg;
  BOOST_REQUIRE(!reg.add<shop::order_created>("OrderCreated"));
  BOOST_REQUIRE(!reg.add<shop::order_cancelled>("OrderCancelled"));
  BOOST_TEST(*reg.name_of<shop::order_created>() == "OrderCreated");
  BOOST_TEST(reg.knows("OrderCancelled"));

  auto data = reg.encode(shop::order_created{"o-1", "CUST-12345"});
  BOOST_REQUIRE(data.has_value());
  BOOST_TEST(data->type == "OrderCreated");
  BOOST_TEST(data->data.at("customer_id").as_string() == "CUST-12345");

  recorded_event stored;
  stored.type = data->type;
  stored.data = data->data;
  auto decoded = reg.decode(stored);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_REQUIRE(decoded->as<shop::order_created>() != nullptr);
  BOOST_TEST(decoded->as<shop::order_created>()->order_id == "o-1");
  BOOST_TEST(decoded->as<shop::order_cancelled>() == nullptr);
}

BOOST_AUTO_TEST_CASE(unknown_types_are_raw_or_an_error_by_choice) {
  mink::event_registry reg;
  recorded_event stored;
  stored.type = "SomethingElse";
  stored.data = boost::json::parse(R"({"x": 1})");
  BOOST_TEST(reg.decode(stored).error() == error_code(errc::unknown_event_type));
  auto raw = reg.decode(stored, unknown_event_policy::raw);
  BOOST_REQUIRE(raw.has_value());
  BOOST_TEST(!raw->known());
  BOOST_TEST(raw->raw.at("x").as_int64() == 1);
  BOOST_TEST(reg.encode(shop::order_cancelled{"x"}).error() == error_code(errc::unknown_event_type));
}

BOOST_AUTO_TEST_CASE(bad_data_and_double_registration_are_errors) {
  mink::event_registry reg;
  BOOST_REQUIRE(!reg.add<shop::order_created>("OrderCreated"));
  BOOST_TEST(reg.add<shop::order_created>("Other") == error_code(errc::duplicate_registration));
  BOOST_TEST(reg.add<shop::order_cancelled>("OrderCreated") == error_code(errc::duplicate_registration));
  BOOST_TEST(reg.add<shop::order_cancelled>("") == error_code(errc::empty_name));
  BOOST_TEST(*reg.name_of<shop::order_created>() == "OrderCreated");  // unchanged
  recorded_event stored;
  stored.type = "OrderCreated";
  stored.data = boost::json::parse(R"({"order_id": 5})");
  BOOST_TEST(reg.decode(stored).error() == error_code(errc::invalid_event_data));
  stored.data = boost::json::parse(R"([1, 2])");
  BOOST_TEST(reg.decode(stored).error() == error_code(errc::invalid_event_data));
}

BOOST_AUTO_TEST_SUITE_END()

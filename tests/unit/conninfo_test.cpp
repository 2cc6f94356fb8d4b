#include "conninfo.hpp"

#include <mink/persistence/pg_error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

using namespace mink::persistence;
using namespace mink::persistence::detail;
using boost::system::error_code;

namespace {

std::string value_of(const conninfo& info, const std::string& key) {
  for (std::size_t i = 0; i < info.keywords.size(); ++i) {
    if (info.keywords[i] == key) return info.values[i];
  }
  return "<absent>";
}

error_code resolve(conninfo& info, std::string& why) {
  boost::asio::io_context ioc;
  auto f = boost::asio::co_spawn(ioc, resolve_hosts(info, why), boost::asio::use_future);
  ioc.run_for(std::chrono::seconds(10));
  BOOST_REQUIRE(f.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  return f.get();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conninfo)

BOOST_AUTO_TEST_CASE(parses_key_values_and_urls) {
  detail::conninfo info;
  std::string why;
  BOOST_REQUIRE(!parse_conninfo("host=/tmp/x port=5433 dbname=mink", info, why));
  BOOST_TEST(value_of(info, "host") == "/tmp/x");
  BOOST_TEST(value_of(info, "port") == "5433");
  BOOST_TEST(value_of(info, "client_encoding") == "UTF8");
  BOOST_REQUIRE(!parse_conninfo("postgresql://app@db.example:6000/orders?client_encoding=LATIN1", info, why));
  BOOST_TEST(value_of(info, "user") == "app");
  BOOST_TEST(value_of(info, "dbname") == "orders");
  BOOST_TEST(value_of(info, "client_encoding") == "LATIN1");  // the caller's choice is kept
}

BOOST_AUTO_TEST_CASE(rejects_malformed_strings_with_reason) {
  detail::conninfo info;
  std::string why;
  BOOST_TEST(parse_conninfo("host=x nonsense_option=1", info, why) == error_code(client_errc::invalid_connection_string));
  BOOST_TEST(why.find("nonsense_option") != std::string::npos);
  BOOST_TEST(parse_conninfo("host='unterminated", info, why) == error_code(client_errc::invalid_connection_string));
}

BOOST_AUTO_TEST_CASE(resolves_names_but_not_paths_or_literals) {
  detail::conninfo info;
  std::string why;
  BOOST_REQUIRE(!parse_conninfo("host=localhost,/run/pg,127.0.0.2 port=5432", info, why));
  BOOST_REQUIRE(!resolve(info, why));
  const std::string addrs = value_of(info, "hostaddr");
  BOOST_TEST((addrs == "127.0.0.1,," || addrs == "::1,,"), addrs);

  BOOST_REQUIRE(!parse_conninfo("host=/run/pg", info, why));
  BOOST_REQUIRE(!resolve(info, why));
  BOOST_TEST(value_of(info, "hostaddr") == "<absent>");
}

BOOST_AUTO_TEST_CASE(unknown_host_is_reported) {
  detail::conninfo info;
  std::string why;
  BOOST_REQUIRE(!parse_conninfo("host=no-such-host.invalid", info, why));
  BOOST_TEST(resolve(info, why) == error_code(client_errc::host_not_resolved));
  BOOST_TEST(why.find("no-such-host.invalid") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

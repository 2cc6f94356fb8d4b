// minkd's command line and environment: what each flag sets, what each bad value gets.

#include "config.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

namespace {

minkd::parse_outcome parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"minkd"};
  argv.insert(argv.end(), args.begin(), args.end());
  return minkd::parse_config(static_cast<int>(argv.size()), argv.data());
}

/// Sets an environment variable for one test and removes it afterwards.
struct scoped_env {
  scoped_env(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~scoped_env() { ::unsetenv(name_); }
  const char* name_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(minkd_config)

BOOST_AUTO_TEST_CASE(defaults_serve_loopback_with_the_embedded_database) {
  const auto out = parse({});
  BOOST_TEST_REQUIRE(out.settings.has_value());
  const auto& c = *out.settings;
  BOOST_TEST(minkd::to_string(c.listen) == "127.0.0.1:8080");
  BOOST_TEST(c.database_url.empty());
  BOOST_TEST(c.automatic_fulfilment);
  BOOST_TEST(c.max_body == 64u * 1024u);
  BOOST_TEST(c.max_header == 8u * 1024u);
  BOOST_TEST(c.header_timeout.count() == 10'000);
  BOOST_TEST(c.idle_timeout.count() == 60'000);
  BOOST_TEST(c.threads >= 1u);
}

BOOST_AUTO_TEST_CASE(flags_set_every_field) {
  const auto out = parse({"--listen", "[::1]:0", "--database-url", "host=/x dbname=y", "--data-dir", "/d", "--threads",
                          "3", "--fulfillment", "manual", "--pool-size", "4", "--max-body", "1000", "--max-header",
                          "2048", "--header-timeout-ms", "1500", "--idle-timeout-ms", "2500",
                          "--shutdown-timeout-ms", "0", "--max-connections", "7", "--log-level", "warn",
                          "--access-log", "off"});
  BOOST_TEST_REQUIRE(out.settings.has_value());
  const auto& c = *out.settings;
  BOOST_TEST(minkd::to_string(c.listen) == "[::1]:0");
  BOOST_TEST(c.database_url == "host=/x dbname=y");
  BOOST_TEST(c.data_dir.string() == "/d");
  BOOST_TEST(c.threads == 3u);
  BOOST_TEST(!c.automatic_fulfilment);
  BOOST_TEST(c.pool_size == 4u);
  BOOST_TEST(c.max_body == 1000u);
  BOOST_TEST(c.max_header == 2048u);
  BOOST_TEST(c.header_timeout.count() == 1500);
  BOOST_TEST(c.idle_timeout.count() == 2500);
  BOOST_TEST(c.shutdown_timeout.count() == 0);
  BOOST_TEST(c.max_connections == 7u);
  BOOST_TEST((c.level == minkd::log_level::warn));
  BOOST_TEST(!c.access_log);
}

BOOST_AUTO_TEST_CASE(the_environment_fills_what_flags_leave_unset) {
  scoped_env url("MINK_DATABASE_URL", "host=/env");
  scoped_env threads("MINK_THREADS", "5");
  scoped_env fulfilment("MINK_FULFILLMENT", "manual");
  scoped_env unrelated("MINK_NOT_A_FLAG", "ignored");
  const auto out = parse({"--threads", "2"});
  BOOST_TEST_REQUIRE(out.settings.has_value());
  BOOST_TEST(out.settings->database_url == "host=/env");
  BOOST_TEST(out.settings->threads == 2u);  // the flag wins
  BOOST_TEST(!out.settings->automatic_fulfilment);
}

BOOST_AUTO_TEST_CASE(help_exits_zero_without_settings) {
  const auto out = parse({"--help"});
  BOOST_TEST(!out.settings.has_value());
  BOOST_TEST(out.exit_code == 0);
}

// Each bad input gets exit code 2 and no settings (the reason goes to stderr).
BOOST_AUTO_TEST_CASE(bad_values_exit_two) {
  const std::vector<std::vector<const char*>> bad = {
      {"--listen", "8080"},             {"--listen", "127.0.0.1:65536"}, {"--listen", "nohost:80"},
      {"--listen", "[::1]8080"},        {"--threads", "0"},              {"--threads", "many"},
      {"--fulfillment", "sometimes"},   {"--log-level", "loud"},         {"--access-log", "yes"},
      {"--max-header", "10"},           {"--max-connections", "0"},      {"--unknown-flag"},
      {"--pool-size"},
  };
  for (const auto& args : bad) {
    std::vector<const char*> argv{"minkd"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto out = minkd::parse_config(static_cast<int>(argv.size()), argv.data());
    BOOST_TEST(!out.settings.has_value(), args.front());
    BOOST_TEST(out.exit_code == 2, args.front());
  }
}

BOOST_AUTO_TEST_CASE(a_bad_environment_value_exits_two) {
  scoped_env level("MINK_LOG_LEVEL", "chatty");
  const auto out = parse({});
  BOOST_TEST(!out.settings.has_value());
  BOOST_TEST(out.exit_code == 2);
}

BOOST_AUTO_TEST_SUITE_END()

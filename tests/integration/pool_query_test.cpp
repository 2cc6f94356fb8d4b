#include "async_test.hpp"

#include <mink/persistence/pg_error.hpp>

#include <boost/json.hpp>

using namespace mink::test;
using namespace mink::persistence;

BOOST_AUTO_TEST_SUITE(pool_query)

BOOST_AUTO_TEST_CASE(two_hundred_concurrent_queries_over_four_connections) {
  pool_fixture f(default_pool_params(4));
  constexpr int count = 200;
  int completed = 0, correct = 0;
  std::size_t max_open = 0;
  for (int i = 0; i < count; ++i) {
    f.pool.async_query("SELECT $1::int * 2, pg_backend_pid()", query_params(i), [&, i](error_code ec, query_result r) {
      ++completed;
      if (!ec && r.get<std::int32_t>(0, 0).value() == i * 2) ++correct;
      const auto s = f.pool.stats();
      max_open = std::max(max_open, s.idle + s.in_use + s.connecting);
    });
  }
  bool done = false;
  asio::steady_timer poll(f.ioc);
  std::function<void()> check = [&] {
    if (completed == count) {
      done = true;
      return;
    }
    poll.expires_after(5ms);
    poll.async_wait([&](error_code) { check(); });
  };
  check();
  run_until(f.ioc, done, 60s);
  BOOST_TEST(correct == count);
  BOOST_TEST(max_open <= 4u);
  BOOST_TEST(f.pool.stats().connects <= 4u);
}

BOOST_AUTO_TEST_CASE(hostile_strings_round_trip_as_data) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    co_await admin_query(f.pool, "CREATE TEMP TABLE IF NOT EXISTS x (v text)");
    co_await admin_query(f.pool, "CREATE TABLE IF NOT EXISTS hostile (id serial primary key, v text not null)");
    const std::vector<std::string> hostile{
        "'); DROP TABLE hostile; --",
        "Robert'); DROP TABLE students;--",
        "; SELECT pg_sleep(10); ",
        "\"double\" 'single' `back` \\backslash\\ $1 $$dollar$$",
        "\x01\x02\x7f binary-looking \xc3\xa9",
        "4-byte UTF-8: \xf0\x9f\x9a\x80 \xf0\x9f\x98\x80 \xf0\x90\x8d\x88",
        std::string(100'000, 'x'),
        "",
    };
    for (const auto& s : hostile) {
      auto r = co_await admin_query(f.pool, "INSERT INTO hostile (v) VALUES ($1) RETURNING v, length(v)", query_params(s));
      BOOST_TEST(r.get<std::string>(0, 0).value() == s);
      auto back = co_await admin_query(f.pool, "SELECT v FROM hostile WHERE v = $1", query_params(s));
      BOOST_TEST(back.rows() >= 1u);
    }
    auto still_there = co_await admin_query(f.pool, "SELECT count(*) FROM hostile");
    BOOST_TEST(still_there.get<std::int64_t>(0, 0).value() >= static_cast<std::int64_t>(hostile.size()));
  });
}

BOOST_AUTO_TEST_CASE(typed_values_from_the_server) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    // Built outside the co_await expression: GCC 12 rejects brace-initialized temporaries there.
    boost::json::object json_param;
    json_param["k"] = "v";
    query_params params(boost::json::value(json_param),
                        std::chrono::system_clock::time_point{} + std::chrono::microseconds(1'000'000'000'000'001LL),
                        std::vector<std::byte>{std::byte{1}, std::byte{0}, std::byte{255}});
    auto r = co_await admin_query(
        f.pool,
        "SELECT 9007199254740993::int8, true, '{\"a\":[1,2.5,null]}'::jsonb, "
        "'2024-05-06 07:08:09.123456+02'::timestamptz, '\\xdeadbeef'::bytea, NULL::int, 1549.96::numeric, "
        "$1::jsonb, $2::timestamptz, $3::bytea",
        std::move(params));
    BOOST_TEST(r.get<std::int64_t>(0, 0).value() == 9007199254740993LL);
    BOOST_TEST(r.get<bool>(0, 1).value());
    BOOST_TEST(r.get<boost::json::value>(0, 2).value().at("a").as_array().at(1).as_double() == 2.5);
    const auto t = r.get<std::chrono::system_clock::time_point>(0, 3).value();
    BOOST_TEST(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() ==
               1714972089123456LL);
    BOOST_TEST((r.get<std::vector<std::byte>>(0, 4).value() ==
                std::vector<std::byte>{std::byte{0xde}, std::byte{0xad}, std::byte{0xbe}, std::byte{0xef}}));
    BOOST_TEST(r.get<std::int32_t>(0, 5).error() == error_code(mink::errc::unexpected_null));
    BOOST_TEST(!r.get<std::optional<std::int32_t>>(0, 5).value());
    BOOST_TEST(r.get<double>(0, 6).value() == 1549.96);
    BOOST_TEST((r.get<boost::json::value>(0, 7).value().at("k").as_string() == "v"));
    BOOST_TEST(std::chrono::duration_cast<std::chrono::microseconds>(
                   r.get<std::chrono::system_clock::time_point>(0, 8).value().time_since_epoch())
                   .count() == 1'000'000'000'000'001LL);
    BOOST_TEST(r.get<std::vector<std::byte>>(0, 9).value().size() == 3u);
    BOOST_TEST(r.get<bool>(0, 0).error() == error_code(mink::errc::type_mismatch));
  });
}

BOOST_AUTO_TEST_CASE(sql_errors_carry_sqlstate_and_diagnostics) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    co_await admin_query(f.pool, "CREATE TABLE IF NOT EXISTS uniq (k text CONSTRAINT uniq_pk PRIMARY KEY)");
    co_await admin_query(f.pool, "DELETE FROM uniq");
    const statement insert("INSERT INTO uniq (k) VALUES ($1)");
    auto [ok, r1] = co_await f.pool.async_execute(insert, query_params("a"), tuple_awaitable);
    BOOST_TEST(!ok);
    BOOST_TEST(r1.affected_rows() == 1u);
    auto [dup, r2] = co_await f.pool.async_execute(insert, query_params("a"), tuple_awaitable);
    BOOST_TEST((dup == condition::unique_violation));
    BOOST_TEST((dup == condition::integrity_violation));
    BOOST_TEST(sqlstate_of(dup) == "23505");
    BOOST_TEST(r2.diag().constraint == "uniq_pk");
    BOOST_TEST(r2.diag().detail.find("(k)=(a)") != std::string::npos);
    BOOST_TEST(r2.diag().severity == "ERROR");

    auto [syntax, r3] = co_await f.pool.async_query("SELEKT 1", {}, tuple_awaitable);
    BOOST_TEST(sqlstate_of(syntax) == "42601");
    BOOST_TEST(r3.diag().message.find("syntax error") != std::string::npos);

    // The connection that failed is still good for the next statement.
    auto [after, r4] = co_await f.pool.async_query("SELECT 1", {}, tuple_awaitable);
    BOOST_TEST(!after);
  });
}

BOOST_AUTO_TEST_CASE(prepared_statements_are_prepared_once_per_connection) {
  pool_params p = default_pool_params(1);
  pool_fixture f(p);
  f.run([&]() -> asio::awaitable<void> {
    const statement twice("SELECT $1::int8 * 2");
    for (int i = 0; i < 50; ++i) {
      auto [ec, r] = co_await f.pool.async_execute(twice, query_params(i), tuple_awaitable);
      BOOST_REQUIRE(!ec);
      BOOST_TEST(r.get<std::int64_t>(0, 0).value() == 2 * i);
    }
    auto count = co_await admin_query(f.pool, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
                                      query_params(twice.sql()));
    BOOST_TEST(count.get<std::int64_t>(0, 0).value() == 1);
  });
}

BOOST_AUTO_TEST_SUITE_END()

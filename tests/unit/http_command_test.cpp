// The generic command helpers of mink::http: dispatch options read from request headers (and the
// 400 for each bad value), the one table from a failed dispatch to a problem (framework errors,
// unavailability, the application's domain hook and its fallbacks), and the success response.
#include <mink/http/command_headers.hpp>
#include <mink/http/command_problem.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

namespace http = mink::http;
using boost::system::error_code;

namespace {

http::request_context context_with(std::initializer_list<std::pair<std::string, std::string>> headers) {
  http::request_context ctx;
  ctx.req = http::request{http::verb::post, "/things", 11};
  for (const auto& [name, value] : headers) ctx.req.insert(name, value);
  ctx.correlation_id = "corr-1";
  return ctx;
}

std::set<std::string> fields_of(const http::problem& p) {
  std::set<std::string> out;
  if (const auto* errors = p.extensions.if_contains("errors")) {
    for (const auto& e : errors->as_array()) out.insert(std::string(e.at("field").as_string()));
  }
  return out;
}

enum class shop_errc { sold_out = 1, gone };

class shop_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "shop"; }
  std::string message(int v) const override { return v == 1 ? "sold out" : "gone"; }
};
const shop_category_impl shop_category;
error_code shop_error(shop_errc e) { return {static_cast<int>(e), shop_category}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_command)

BOOST_AUTO_TEST_CASE(if_match_takes_one_quoted_or_bare_version) {
  BOOST_TEST(http::parse_if_match("\"3\"").value_or(99) == 3u);
  BOOST_TEST(http::parse_if_match("3").value_or(99) == 3u);
  BOOST_TEST(http::parse_if_match(" \"0\" ").value_or(99) == 0u);
  BOOST_TEST(http::parse_if_match("18446744073709551615").value_or(0) == 18446744073709551615ull);
  // Weak tags, lists, wildcards, signs, empties and overflow are not versions.
  for (const char* bad : {"W/\"3\"", "\"3\", \"4\"", "*", "-1", "+1", "\"\"", "", "3a", "\"3", "18446744073709551616"}) {
    BOOST_TEST(!http::parse_if_match(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(headers_become_dispatch_options) {
  auto ctx = context_with({{"Idempotency-Key", "key-1"}, {"If-Match", "\"7\""}, {"X-Causation-ID", "cause-1"}});
  auto read = http::read_command_options(ctx);
  BOOST_REQUIRE(static_cast<bool>(read));
  BOOST_TEST(read.options.idempotency_key == "key-1");
  BOOST_TEST(read.options.causation_id == "cause-1");
  BOOST_TEST(read.options.correlation_id == "corr-1");
  BOOST_TEST((read.options.expected == mink::expected_version::exact(7)));
  BOOST_TEST(!read.options.wait_for_in_flight);  // a repeat in flight is refused, not held

  auto none = http::read_command_options(context_with({}));
  BOOST_REQUIRE(static_cast<bool>(none));
  BOOST_TEST(none.options.idempotency_key.empty());
  BOOST_TEST(!none.options.expected.has_value());
}

BOOST_AUTO_TEST_CASE(every_bad_header_is_listed_in_one_400) {
  // A 256-character key, a weak tag and a control character: 400 invalid-header naming all three.
  auto ctx = context_with({{"Idempotency-Key", std::string(256, 'k')}, {"If-Match", "W/\"1\""}, {"X-Causation-ID", "a\x01"}});
  auto read = http::read_command_options(ctx);
  BOOST_REQUIRE(!read);
  BOOST_TEST(static_cast<int>(read.error->status) == 400);
  BOOST_TEST(read.error->slug == "invalid-header");
  BOOST_TEST((fields_of(*read.error) == std::set<std::string>{"Idempotency-Key", "If-Match", "X-Causation-ID"}));
  // A header given twice is bad too; 255 characters is the longest key.
  auto twice = http::read_command_options(context_with({{"If-Match", "1"}, {"If-Match", "2"}}));
  BOOST_REQUIRE(!twice);
  BOOST_TEST(fields_of(*twice.error) == std::set<std::string>{"If-Match"});
  BOOST_TEST(static_cast<bool>(http::read_command_options(context_with({{"Idempotency-Key", std::string(255, 'k')}}))));
}

BOOST_AUTO_TEST_CASE(framework_errors_map_to_their_statuses_and_slugs) {
  mink::dispatch_result r;
  r.correlation_id = "corr-9";
  r.field_errors = {{"sku", "is required"}, {"quantity", "must be greater than zero"}};
  auto validation = http::dispatch_problem(mink::errc::validation_failed, r, nullptr);
  BOOST_TEST(static_cast<int>(validation.status) == 400);
  BOOST_TEST(validation.slug == "validation-failed");
  BOOST_TEST((fields_of(validation) == std::set<std::string>{"sku", "quantity"}));

  r.expected = mink::expected_version::exact(3);
  r.actual_version = 5;
  auto conflict = http::dispatch_problem(mink::errc::wrong_expected_version, r, nullptr);
  BOOST_TEST(static_cast<int>(conflict.status) == 409);
  BOOST_TEST(conflict.slug == "concurrency-conflict");
  BOOST_TEST(conflict.extensions.at("expected_version") == boost::json::value(3));
  BOOST_TEST(conflict.extensions.at("actual_version") == boost::json::value(5));

  auto in_flight = http::dispatch_problem(mink::errc::idempotency_key_in_flight, r, nullptr);
  BOOST_TEST(static_cast<int>(in_flight.status) == 409);
  BOOST_TEST(in_flight.slug == "idempotency-key-in-flight");
  BOOST_TEST(http::make_command_problem_response(in_flight)["Retry-After"] == "1");
  auto reuse = http::dispatch_problem(mink::errc::idempotency_key_reused, r, nullptr);
  BOOST_TEST(static_cast<int>(reuse.status) == 422);
  BOOST_TEST(reuse.slug == "idempotency-key-reuse");

  // Unavailable: the pool's errors, full mailboxes, shutdown, lost connections, serialization failures.
  for (error_code ec : {error_code(mink::errc::acquire_timeout), error_code(mink::errc::connect_timeout),
                        error_code(mink::errc::pool_not_running), error_code(mink::errc::pool_exhausted),
                        error_code(mink::errc::mailbox_full), error_code(mink::errc::shutting_down),
                        error_code(mink::persistence::client_errc::connection_lost),
                        error_code(mink::persistence::client_errc::connection_failed),
                        mink::persistence::make_sqlstate_error("40001")}) {
    auto p = http::dispatch_problem(ec, r, nullptr);
    BOOST_TEST(static_cast<int>(p.status) == 503, ec.message());
    BOOST_TEST(p.slug == "service-unavailable");
    BOOST_TEST(http::make_command_problem_response(p)["Retry-After"] == "1");
  }

  // Framework and database errors with no client meaning: 500 without their text.
  r.error_message = "secret internal detail";
  for (error_code ec : {error_code(mink::errc::unhandled_exception), error_code(mink::errc::no_handler),
                        mink::persistence::make_sqlstate_error("42P01"),
                        error_code(boost::system::errc::io_error, boost::system::generic_category())}) {
    auto p = http::dispatch_problem(ec, r, nullptr);
    BOOST_TEST(static_cast<int>(p.status) == 500, ec.message());
    BOOST_TEST(p.slug == "internal-error");
    BOOST_TEST(p.detail.find("secret") == std::string::npos);
    BOOST_TEST(p.detail.find("corr-9") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(domain_errors_go_through_the_hook_then_fall_back_to_422) {
  mink::dispatch_result r;
  http::domain_problem_mapper map = [](const error_code& ec, const mink::dispatch_result&) -> std::optional<http::problem> {
    if (ec != shop_error(shop_errc::gone)) return std::nullopt;
    return http::not_found("gone");
  };
  auto mapped = http::dispatch_problem(shop_error(shop_errc::gone), r, map);
  BOOST_TEST(static_cast<int>(mapped.status) == 404);
  // Unknown to the hook, or no hook: 422 rule-violation with the error's message.
  auto unknown = http::dispatch_problem(shop_error(shop_errc::sold_out), r, map);
  BOOST_TEST(static_cast<int>(unknown.status) == 422);
  BOOST_TEST(unknown.slug == "rule-violation");
  BOOST_TEST(unknown.detail == "sold out");
  auto no_hook = http::dispatch_problem(shop_error(shop_errc::gone), r, nullptr);
  BOOST_TEST(no_hook.slug == "rule-violation");
  BOOST_TEST(no_hook.detail == "gone");
  BOOST_TEST(http::is_domain_error(shop_error(shop_errc::gone)));
  BOOST_TEST(!http::is_domain_error(mink::errc::timeout));
  BOOST_TEST(!http::is_domain_error(mink::persistence::make_sqlstate_error("23505")));
}

BOOST_AUTO_TEST_CASE(a_success_carries_its_version_as_etag_and_says_when_replayed) {
  mink::dispatch_result r;
  r.stream_id = "Thing-1";
  r.version = 4;
  r.positions = {10, 11};
  auto body = http::command_result_body(r);
  BOOST_TEST(body.at("stream_id") == boost::json::value("Thing-1"));
  BOOST_TEST(body.at("version") == boost::json::value(4));
  BOOST_TEST(body.at("position") == boost::json::value(11));
  auto fresh = http::make_command_response(http::status::created, r, body);
  BOOST_TEST(fresh.result_int() == 201u);
  BOOST_TEST(fresh["ETag"] == "\"4\"");
  BOOST_TEST(fresh["Content-Type"] == "application/json");
  BOOST_TEST((fresh.find("Idempotent-Replayed") == fresh.end()));
  BOOST_TEST(boost::json::parse(fresh.body()) == boost::json::value(body));
  r.replayed = true;
  BOOST_TEST(http::make_command_response(http::status::ok, r, body)["Idempotent-Replayed"] == "true");
  r.positions.clear();
  BOOST_TEST(http::command_result_body(r).at("position").is_null());
}

BOOST_AUTO_TEST_SUITE_END()

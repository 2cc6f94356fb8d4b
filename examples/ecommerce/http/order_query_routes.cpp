// GET /orders, /orders/{id}, /orders/{id}/events, /orders/{id}/state: the read model (with
// read-your-writes waits) and the order's own stream.
#include <ecommerce/http/order_routes.hpp>
#include <ecommerce/http/order_routes_detail.hpp>

#include <ecommerce/app/order_system.hpp>
#include <ecommerce/domain/order.hpp>

#include <mink/http/command_problem.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/messaging/event_codec.hpp>
#include <mink/messaging/rfc3339.hpp>
#include <mink/persistence/event_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

namespace ecommerce::detail {
namespace {

namespace asio = boost::asio;
namespace http = mink::http;
namespace mp = mink::persistence;
using boost::system::error_code;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// Events read from a stream per round trip.
constexpr std::size_t stream_page = 1000;

/// A non-negative decimal integer within [min, max]; nullopt otherwise (signs, blanks, other
/// characters, overflow).
std::optional<std::int64_t> parse_count(std::string_view text, std::int64_t min, std::int64_t max) {
  if (text.empty() || text.size() > 19 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n < min || n > max) return std::nullopt;
  return n;
}

/// 400 "invalid-query" listing every bad query parameter.
http::problem query_problem(const std::vector<mink::field_error>& errors) {
  std::string detail = "invalid query parameter";
  detail += errors.size() == 1 ? ": " : "s: ";
  boost::json::array list;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) detail += "; ";
    detail += errors[i].field + " " + errors[i].message;
    list.push_back(boost::json::object{{"field", errors[i].field}, {"message", errors[i].message}});
  }
  http::problem p = http::bad_request(std::move(detail), "invalid-query");
  p.extensions["errors"] = std::move(list);
  return p;
}

/// The problem of a failed read: 503 when the database is unavailable, else 500.
http::response failure_response(const error_code& ec, const http::request_context& ctx) {
  mink::dispatch_result none;
  none.correlation_id = ctx.correlation_id;
  return http::make_command_problem_response(http::dispatch_problem(ec, none, nullptr), ctx.req.version());
}

/// Every event of the order's stream, in order; errc::stream_not_found when it has none.
asio::awaitable<std::tuple<error_code, std::vector<mink::recorded_event>>> read_order_events(order_system& system,
                                                                                             std::string stream) {
  std::vector<mink::recorded_event> all;
  std::uint64_t from = 1;
  for (;;) {
    auto [ec, page] =
        co_await system.events().async_read_stream(stream, from, stream_page, mp::read_direction::forward, tuple_awaitable);
    if (ec) co_return std::tuple{ec, std::vector<mink::recorded_event>{}};
    const std::size_t n = page.size();
    for (auto& e : page) all.push_back(std::move(e));
    if (n < stream_page) break;
    from = all.back().version + 1;
  }
  co_return std::tuple{error_code{}, std::move(all)};
}

asio::awaitable<http::response> get_summary(order_system& system, http::request_context& ctx) {
  const unsigned version = ctx.req.version();
  const std::string order_id(ctx.param("id"));
  std::optional<std::int64_t> min_position;
  if (auto text = ctx.query("min_position")) {
    min_position = parse_count(*text, 0, std::numeric_limits<std::int64_t>::max());
    if (!min_position) {
      std::vector<mink::field_error> errors{{"min_position", "must be a non-negative integer (a global position)"}};
      co_return http::make_problem_response(query_problem(errors), version);
    }
    // Positions start at 1: 0 is before every event, so there is nothing to wait for.
    if (*min_position == 0) min_position.reset();
  }
  auto [ec, summary] = co_await system.async_find_summary(order_id, min_position, tuple_awaitable);
  if (ec == mink::errc::timeout) {
    http::problem p;
    p.status = http::status::gateway_timeout;
    p.slug = "read-model-timeout";
    p.title = "Read model timeout";
    p.detail = "the read model has not reached position " + std::to_string(min_position.value_or(0)) +
               " in time; retry later";
    co_return http::make_problem_response(p, version);
  }
  if (ec == mink::errc::position_not_found) {
    http::problem p = query_problem({{"min_position", "no committed event has this position"}});
    p.slug = "position-not-found";
    co_return http::make_problem_response(p, version);
  }
  if (ec) co_return failure_response(ec, ctx);
  if (!summary) co_return http::make_problem_response(order_not_found(order_id), version);
  co_return json_text_response(http::status::ok, boost::json::value_from(*summary), version);
}

asio::awaitable<http::response> list_orders(order_system& system, http::request_context& ctx) {
  const unsigned version = ctx.req.version();
  order_list_query query;
  std::vector<mink::field_error> errors;
  if (auto status = ctx.query("status")) {
    if (std::find(order_statuses.begin(), order_statuses.end(), *status) == order_statuses.end()) {
      errors.push_back({"status", "must be one of Created, Submitted, Shipped, Completed, Cancelled"});
    } else {
      query.status = std::string(*status);
    }
  }
  if (auto customer = ctx.query("customer_id")) {
    if (customer->empty()) errors.push_back({"customer_id", "must not be empty"});
    else query.customer_id = std::string(*customer);
  }
  if (auto limit = ctx.query("limit")) {
    const auto max = static_cast<std::int64_t>(order_summary_queries::max_page_size);
    if (auto n = parse_count(*limit, 1, max)) query.limit = static_cast<std::size_t>(*n);
    else errors.push_back({"limit", "must be an integer from 1 to " + std::to_string(max)});
  }
  if (auto after = ctx.query("after")) {
    if (after->empty()) errors.push_back({"after", "must be the \"next\" of the previous page"});
    else query.after = std::string(*after);
  }
  if (!errors.empty()) co_return http::make_problem_response(query_problem(errors), version);

  auto [ec, page] = co_await system.summaries().async_list(std::move(query), tuple_awaitable);
  if (ec == mink::errc::invalid_value) {
    co_return http::make_problem_response(http::bad_request("invalid list query", "invalid-query"), version);
  }
  if (ec) co_return failure_response(ec, ctx);
  boost::json::array items;
  for (const auto& s : page.items) items.push_back(boost::json::value_from(s));
  boost::json::object body;
  body["items"] = std::move(items);
  if (page.next) body["next"] = *page.next;
  else body["next"] = nullptr;
  co_return json_text_response(http::status::ok, body, version);
}

asio::awaitable<http::response> get_events(order_system& system, http::request_context& ctx) {
  const unsigned version = ctx.req.version();
  const std::string order_id(ctx.param("id"));
  const std::string stream = mink::stream_id_of(order::category, order_id);
  auto [ec, events] = co_await read_order_events(system, stream);
  if (ec == mink::errc::stream_not_found) co_return http::make_problem_response(order_not_found(order_id), version);
  if (ec) co_return failure_response(ec, ctx);
  boost::json::array list;
  for (const auto& e : events) {
    boost::json::value metadata = mink::to_json(e.metadata);
    if (!metadata.is_object()) metadata = boost::json::object();
    list.push_back(boost::json::object{{"event_id", e.event_id},
                                       {"type", e.type},
                                       {"version", e.version},
                                       {"position", e.position},
                                       {"data", e.data},
                                       {"metadata", std::move(metadata)},
                                       {"recorded_at", mink::format_rfc3339(e.recorded_at)}});
  }
  boost::json::object body;
  body["stream_id"] = stream;
  body["version"] = events.empty() ? std::uint64_t{0} : events.back().version;
  body["events"] = std::move(list);
  co_return json_text_response(http::status::ok, body, version);
}

asio::awaitable<http::response> get_state(order_system& system, http::request_context& ctx) {
  const unsigned version = ctx.req.version();
  const std::string order_id(ctx.param("id"));
  auto [ec, events] = co_await read_order_events(system, mink::stream_id_of(order::category, order_id));
  if (ec == mink::errc::stream_not_found) co_return http::make_problem_response(order_not_found(order_id), version);
  if (ec) co_return failure_response(ec, ctx);
  order_state state;
  for (const auto& e : events) {
    auto decoded = mink::event_codec<order_event>::decode(e);
    // A stored event this program cannot read is a defect, not the client's doing.
    if (!decoded) co_return failure_response(decoded.error(), ctx);
    state = order::evolve(std::move(state), *decoded);
  }
  if (!state.exists()) co_return http::make_problem_response(order_not_found(order_id), version);
  const std::uint64_t at = events.back().version;
  http::response res = json_text_response(http::status::ok, order_view(state, at), version);
  res.set(boost::beast::http::field::etag, "\"" + std::to_string(at) + "\"");
  co_return res;
}

}  // namespace

void add_order_query_routes(http::router& routes, order_system& system) {
  routes.get("/orders", [&system](http::request_context& ctx) { return list_orders(system, ctx); });
  routes.get("/orders/{id}", [&system](http::request_context& ctx) { return get_summary(system, ctx); });
  routes.get("/orders/{id}/events", [&system](http::request_context& ctx) { return get_events(system, ctx); });
  routes.get("/orders/{id}/state", [&system](http::request_context& ctx) { return get_state(system, ctx); });
}

}  // namespace ecommerce::detail

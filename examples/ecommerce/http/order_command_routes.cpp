// POST /orders and POST /orders/{id}/items|submit|ship|complete|cancel: read the headers and the
// body, dispatch the command, answer with where its events went (or the problem).
#include <ecommerce/http/order_routes.hpp>
#include <ecommerce/http/order_routes_detail.hpp>

#include <ecommerce/app/order_system.hpp>
#include <ecommerce/domain/commands.hpp>

#include <mink/http/command_headers.hpp>
#include <mink/http/command_problem.hpp>
#include <mink/http/json_body.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace ecommerce::detail {
namespace {

namespace asio = boost::asio;
namespace http = mink::http;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// What differs between the command routes.
struct command_route {
  bool create = false;         ///< POST /orders: the id is in the body (or generated), 201 + Location.
  bool body_required = false;  ///< Some field is required: an empty body is not accepted.
};

/// The body as a JSON value: `{}` for an empty body where no field is required (no Content-Type
/// needed then), else parse_json_body's value or problem.
http::json_body read_body(const http::request_context& ctx, const command_route& route) {
  if (!route.body_required && ctx.req.body().empty()) {
    http::json_body empty;
    empty.value = boost::json::object();
    return empty;
  }
  return http::parse_json_body(ctx);
}

/// Puts the order id into the body: the path's (a different "order_id" in the body is a field
/// error), or for a create the body's, else a generated one.
void place_order_id(boost::json::value& body, const http::request_context& ctx, const command_route& route,
                    const std::string& idempotency_key, std::vector<mink::field_error>& errors) {
  auto* obj = body.if_object();
  if (!obj) return;  // read_command reports "must be a JSON object"
  const auto* given = obj->if_contains("order_id");
  const bool absent = !given || given->is_null();
  if (route.create) {
    if (absent) (*obj)["order_id"] = generated_order_id(idempotency_key);
    return;
  }
  const std::string_view path_id = ctx.param("id");
  if (!absent && !(given->is_string() && std::string_view(given->get_string()) == path_id)) {
    errors.push_back({"order_id", "must be the order id of the path when given"});
  }
  (*obj)["order_id"] = path_id;
}

template <class Command>
asio::awaitable<http::response> run_command(order_system& system, http::request_context& ctx, command_route route) {
  const unsigned version = ctx.req.version();
  http::command_options headers = http::read_command_options(ctx);
  if (!headers) co_return http::make_command_problem_response(*headers.error, version);

  http::json_body body = read_body(ctx, route);
  if (!body) co_return http::make_command_problem_response(*body.error, version);

  std::vector<mink::field_error> errors;
  place_order_id(body.value, ctx, route, headers.options.idempotency_key, errors);
  Command command;
  for (auto& e : read_command(body.value, command)) {
    const bool seen = std::any_of(errors.begin(), errors.end(), [&](const auto& x) { return x.field == e.field; });
    if (!seen) errors.push_back(std::move(e));
  }
  if (!errors.empty()) co_return http::make_command_problem_response(http::validation_problem(errors), version);

  const std::string order_id = command.order_id;
  mink::dispatch_options options = std::move(headers.options);
  auto [ec, result] = co_await system.bus().async_dispatch(std::move(command), std::move(options), tuple_awaitable);
  if (ec) {
    if (result.correlation_id.empty()) result.correlation_id = ctx.correlation_id;
    co_return http::make_command_problem_response(http::dispatch_problem(ec, result, order_problem), version);
  }

  boost::json::object out;
  out["order_id"] = order_id;
  for (const auto& member : http::command_result_body(result)) out[member.key()] = member.value();
  const http::status status = route.create ? http::status::created : http::status::ok;
  http::response res = http::make_command_response(status, result, out, version);
  if (route.create) res.set(boost::beast::http::field::location, order_location(order_id));
  co_return res;
}

template <class Command>
void add_command(http::router& routes, order_system& system, std::string_view pattern, command_route route) {
  routes.post(pattern, [&system, route](http::request_context& ctx) { return run_command<Command>(system, ctx, route); });
}

}  // namespace

void add_order_command_routes(http::router& routes, order_system& system) {
  add_command<create_order>(routes, system, "/orders", command_route{.create = true, .body_required = true});
  add_command<add_item>(routes, system, "/orders/{id}/items", command_route{.create = false, .body_required = true});
  add_command<submit_order>(routes, system, "/orders/{id}/submit", command_route{});
  add_command<ship_order>(routes, system, "/orders/{id}/ship", command_route{});
  add_command<complete_order>(routes, system, "/orders/{id}/complete", command_route{});
  add_command<cancel_order>(routes, system, "/orders/{id}/cancel", command_route{});
}

}  // namespace ecommerce::detail

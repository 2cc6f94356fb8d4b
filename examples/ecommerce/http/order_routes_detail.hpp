#pragma once
// What the order command and query routes share (not part of the public API).

#include <mink/http/message.hpp>
#include <mink/http/problem.hpp>
#include <mink/http/router.hpp>

#include <boost/json/value.hpp>

#include <string_view>

namespace ecommerce {

class order_system;

namespace detail {

void add_order_command_routes(mink::http::router& routes, order_system& system);
void add_order_query_routes(mink::http::router& routes, order_system& system);

/// An application/json response whose money reads as written (to_json_text: 1549.96, not 1.54996E3).
mink::http::response json_text_response(mink::http::status s, const boost::json::value& body, unsigned version);

/// 404 "not-found" for an order nobody created.
mink::http::problem order_not_found(std::string_view order_id);

}  // namespace detail
}  // namespace ecommerce

#pragma once
// The order part of the HTTP API (docs/http-api.md): the order commands (POST /orders, POST
// /orders/{id}/items|submit|ship|complete|cancel) and queries (GET /orders, /orders/{id},
// /orders/{id}/events, /orders/{id}/state), registered on a mink::http::router through the same
// public API any application uses (command_headers.hpp, command_problem.hpp, json_body.hpp).

#include <mink/http/problem.hpp>
#include <mink/http/router.hpp>

#include <mink/messaging/dispatch_result.hpp>

#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ecommerce {

class order_system;

/// Registers every order route on `routes`. `system` must outlive the router's use (every
/// handle() in progress); the routes may run on any thread (order_system is thread-safe).
/// Throws std::invalid_argument when one of the routes is already registered.
void add_order_routes(mink::http::router& routes, order_system& system);

/// The order domain's errors as problems (a mink::http::domain_problem_mapper):
/// order_errc::already_exists -> 409 "already-exists", order_errc::not_created -> 404
/// "not-found", every other order_errc -> 422 "rule-violation" with the rule's message; nullopt
/// for codes of other categories.
std::optional<mink::http::problem> order_problem(const boost::system::error_code& ec, const mink::dispatch_result& result);

/// "/orders/<id>", the id percent-encoded (every byte but A-Z a-z 0-9 - . _ ~).
std::string order_location(std::string_view order_id);

/// The order id a create without one gets: a new random UUID; with an Idempotency-Key, a UUID
/// derived from the key (the same for every retry of that key, so a retry is a replay).
std::string generated_order_id(std::string_view idempotency_key);

}  // namespace ecommerce

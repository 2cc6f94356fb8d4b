#include <mink/http/admin_routes.hpp>

#include <mink/actors/saga_manager.hpp>
#include <mink/http/problem.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/messaging/rfc3339.hpp>
#include <mink/persistence/saga_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace mink::http {
namespace {

namespace asio = boost::asio;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

boost::json::object saga_json(const persistence::saga_state& s) {
  boost::json::object o;
  o["saga_id"] = s.saga_id;
  o["saga_type"] = s.saga_type;
  o["correlation_id"] = s.correlation_id;
  o["status"] = persistence::to_string(s.status);
  o["current_step"] = s.current_step;
  o["version"] = s.version;
  o["data"] = s.data;
  boost::json::array steps;
  for (const auto& step : s.steps) {
    boost::json::object j;
    j["name"] = step.name;
    j["status"] = persistence::to_string(step.status);
    if (step.started_at) j["started_at"] = format_rfc3339(*step.started_at);
    if (step.finished_at) j["finished_at"] = format_rfc3339(*step.finished_at);
    if (!step.error.empty()) j["error"] = step.error;
    steps.push_back(std::move(j));
  }
  o["steps"] = std::move(steps);
  o["processed_events"] = s.processed.size();
  o["created_at"] = format_rfc3339(s.created_at);
  o["updated_at"] = format_rfc3339(s.updated_at);
  return o;
}

problem saga_not_found(std::string_view id) {
  return make_problem(http::status::not_found, "saga-not-found", "Saga not found", "no saga has id " + std::string(id));
}

problem conflict(std::string slug, std::string title, std::string detail) {
  return make_problem(http::status::conflict, std::move(slug), std::move(title), std::move(detail));
}

asio::awaitable<response> find_saga(persistence::saga_store& store, std::string id, unsigned version) {
  auto [ec, found] = co_await store.async_find(id, tuple_awaitable);
  if (ec) co_return failure_response(ec, version);
  if (!found) co_return make_problem_response(saga_not_found(id), version);
  co_return make_json_response(http::status::ok, saga_json(*found), version);
}

}  // namespace

void add_saga_routes(router& r, persistence::saga_store& store, actors::saga_manager* manager) {
  r.get("/sagas", [&store](request_context& ctx) -> asio::awaitable<response> {
    const auto correlation = ctx.query("correlation_id");
    if (!correlation || correlation->empty()) {
      auto p = bad_request("the correlation_id query parameter is required", "missing-parameter");
      boost::json::object e;
      e["field"] = "correlation_id";
      e["message"] = "required";
      boost::json::array errors;
      errors.push_back(std::move(e));
      p.extensions["errors"] = std::move(errors);
      co_return make_problem_response(p, ctx.req.version());
    }
    std::string id(*correlation);
    auto [ec, sagas] = co_await store.async_find_by_correlation(std::move(id), tuple_awaitable);
    if (ec) co_return failure_response(ec, ctx.req.version());
    boost::json::array items;
    for (const auto& s : sagas) items.push_back(saga_json(s));
    boost::json::object body;
    body["items"] = std::move(items);
    co_return make_json_response(http::status::ok, body, ctx.req.version());
  });

  r.get("/sagas/stats", [&store](request_context& ctx) -> asio::awaitable<response> {
    std::string every_type;
    auto [ec, counts] = co_await store.async_count_by_status(std::move(every_type), tuple_awaitable);
    if (ec) co_return failure_response(ec, ctx.req.version());
    boost::json::object by_status;
    for (const auto st : persistence::all_saga_statuses) {
      const auto it = counts.by_status.find(st);
      by_status[persistence::to_string(st)] = it == counts.by_status.end() ? 0 : it->second;
    }
    boost::json::object body;
    body["total"] = counts.total;
    body["by_status"] = std::move(by_status);
    co_return make_json_response(http::status::ok, body, ctx.req.version());
  });

  r.get("/sagas/{saga_id}", [&store](request_context& ctx) -> asio::awaitable<response> {
    std::string id(ctx.param("saga_id"));
    auto res = co_await find_saga(store, std::move(id), ctx.req.version());
    co_return res;
  });

  if (!manager) return;
  r.post("/sagas/{saga_id}/retry", [&store, manager](request_context& ctx) -> asio::awaitable<response> {
    const unsigned version = ctx.req.version();
    const std::string id(ctx.param("saga_id"));
    auto [ec] = co_await manager->async_retry(id, tuple_awaitable);
    if (ec == errc::saga_not_found) co_return make_problem_response(saga_not_found(id), version);
    if (ec == errc::saga_not_retryable) {
      auto p = conflict("saga-not-retryable", "Saga not retryable",
                        "saga " + id + " is neither failed nor stuck compensating");
      co_return make_problem_response(p, version);
    }
    if (ec == errc::unknown_saga_type) {
      auto p = conflict("unknown-saga-type", "Unknown saga type", "no saga definition runs saga " + id);
      co_return make_problem_response(p, version);
    }
    if (ec == errc::shutting_down) {
      co_return make_retry_later_response(service_unavailable("the saga manager is not running"), version, 1);
    }
    if (ec) co_return failure_response(ec, version);
    auto res = co_await find_saga(store, id, version);
    co_return res;
  });
}

}  // namespace mink::http

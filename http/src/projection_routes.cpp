#include <mink/http/admin_routes.hpp>

#include <mink/actors/projection_runner.hpp>
#include <mink/http/problem.hpp>
#include <mink/messaging/errc.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace mink::http {
namespace {

namespace asio = boost::asio;

boost::json::object status_json(const actors::projection_status& s) {
  boost::json::object o;
  o["name"] = s.name;
  o["state"] = actors::to_string(s.state);
  o["position"] = s.position;
  o["head"] = s.head;
  o["lag"] = s.lag;
  if (s.rebuild_position) o["rebuild_position"] = *s.rebuild_position;
  if (s.fault) {
    boost::json::object f;
    f["position"] = s.fault->position;
    f["event_id"] = s.fault->event_id;
    f["type"] = s.fault->type;
    f["error"] = s.fault->error.message();
    f["message"] = s.fault->message;
    f["attempts"] = s.fault->attempts;
    f["in_rebuild"] = s.fault->in_rebuild;
    o["fault"] = std::move(f);
  }
  return o;
}

problem unknown_projection(std::string_view name) {
  return make_problem(http::status::not_found, "unknown-projection", "Unknown projection",
                      "no projection is named " + std::string(name));
}

// The answer after an operation on projection `name`: its status, or the operation's error.
response after(const actors::projection_runner& runner, const std::string& name, boost::system::error_code ec,
               http::status ok, unsigned version) {
  if (ec == errc::unknown_projection) return make_problem_response(unknown_projection(name), version);
  if (ec == errc::projection_busy) {
    return make_problem_response(make_problem(http::status::conflict, "projection-busy", "Projection busy",
                                              "projection " + name +
                                                  " cannot do that now (an inline projection is not rebuilt)"),
                                 version);
  }
  if (ec) return failure_response(ec, version);
  const auto s = runner.status(name);
  if (!s) return make_problem_response(unknown_projection(name), version);
  return make_json_response(ok, status_json(*s), version);
}

using operation = boost::system::error_code (actors::projection_runner::*)(const std::string&);

route_handler operate(actors::projection_runner& runner, operation op, http::status ok) {
  return [&runner, op, ok](request_context& ctx) -> asio::awaitable<response> {
    const std::string name(ctx.param("name"));
    const auto ec = (runner.*op)(name);
    co_return after(runner, name, ec, ok, ctx.req.version());
  };
}

}  // namespace

void add_projection_routes(router& r, actors::projection_runner& runner) {
  r.get("/projections", [&runner](request_context& ctx) -> asio::awaitable<response> {
    boost::json::array items;
    for (const auto& s : runner.statuses()) items.push_back(status_json(s));
    boost::json::object body;
    body["projections"] = std::move(items);
    co_return make_json_response(http::status::ok, body, ctx.req.version());
  });
  r.get("/projections/{name}", [&runner](request_context& ctx) -> asio::awaitable<response> {
    const std::string name(ctx.param("name"));
    const boost::system::error_code none;
    co_return after(runner, name, none, http::status::ok, ctx.req.version());
  });
  r.post("/projections/{name}/rebuild", operate(runner, &actors::projection_runner::start_rebuild, http::status::accepted));
  r.post("/projections/{name}/pause", operate(runner, &actors::projection_runner::pause, http::status::ok));
  r.post("/projections/{name}/resume", operate(runner, &actors::projection_runner::resume, http::status::ok));
}

}  // namespace mink::http

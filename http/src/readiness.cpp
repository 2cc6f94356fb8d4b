#include <mink/http/readiness.hpp>

#include <mink/actors/projection_runner.hpp>
#include <mink/http/problem.hpp>
#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <memory>

namespace mink::http {
namespace {

namespace asio = boost::asio;

boost::json::object pass() {
  boost::json::object o;
  o["status"] = "pass";
  return o;
}

boost::json::object fail(std::string_view reason) {
  boost::json::object o;
  o["status"] = "fail";
  o["reason"] = reason;
  return o;
}

// SELECT 1 within `timeout`. The query completes into a shared probe and cancels the timer; the
// handler waits only on the timer, so the answer comes within the bound whatever the pool does (an
// unreachable server can hold an acquisition in its connect). At the bound the query is also
// withdrawn through its cancellation slot; it then completes later into the probe alone.
asio::awaitable<boost::json::object> check_database(persistence::connection_pool& pool,
                                                    std::chrono::milliseconds timeout) {
  struct probe {
    explicit probe(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    asio::cancellation_signal signal;
    bool done = false;
    bool ok = false;
  };
  const auto ex = co_await asio::this_coro::executor;
  auto state = std::make_shared<probe>(ex);
  state->timer.expires_after(timeout);
  persistence::query_params none;
  pool.async_query("SELECT 1", std::move(none),
                   asio::bind_cancellation_slot(
                       state->signal.slot(),
                       asio::bind_executor(ex, [state](boost::system::error_code ec, persistence::query_result) {
                         state->done = true;
                         state->ok = !ec;
                         state->timer.cancel();
                       })));
  auto [ignored] = co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  (void)ignored;
  if (!state->done) {
    state->signal.emit(asio::cancellation_type::terminal);
    co_return fail("timeout");
  }
  if (!state->ok) co_return fail("unavailable");
  co_return pass();
}

boost::json::object check_projections(const actors::projection_runner& runner) {
  boost::json::array stopped;
  for (const auto& s : runner.statuses()) {
    if (s.state == actors::projection_state::paused || s.state == actors::projection_state::faulted) {
      boost::json::object p;
      p["name"] = s.name;
      p["state"] = actors::to_string(s.state);
      stopped.push_back(std::move(p));
    }
  }
  if (stopped.empty()) return pass();
  auto out = fail("not_running");
  out["projections"] = std::move(stopped);
  return out;
}

}  // namespace

void add_readiness_route(router& r, readiness_params params) {
  r.get("/readyz", [params](request_context& ctx) -> asio::awaitable<response> {
    boost::json::object checks;
    bool ready = true;
    if (params.pool) {
      auto db = co_await check_database(*params.pool, params.database_timeout);
      ready = ready && db.at("status").as_string() == "pass";
      checks["database"] = std::move(db);
    }
    if (params.projections) {
      auto pr = check_projections(*params.projections);
      ready = ready && pr.at("status").as_string() == "pass";
      checks["projections"] = std::move(pr);
    }
    if (ready) {
      boost::json::object body;
      body["status"] = "ready";
      body["checks"] = std::move(checks);
      co_return make_json_response(http::status::ok, body, ctx.req.version());
    }
    std::string failing;
    for (const auto& check : checks) {
      if (check.value().as_object().at("status").as_string() == "pass") continue;
      if (!failing.empty()) failing += ", ";
      failing += check.key();
    }
    problem p;
    p.status = http::status::service_unavailable;
    p.slug = "not-ready";
    p.title = "Not ready";
    p.detail = "failing checks: " + failing;
    p.extensions["checks"] = std::move(checks);
    auto res = make_problem_response(p, ctx.req.version());
    res.set(boost::beast::http::field::retry_after, std::to_string(params.retry_after.count()));
    co_return res;
  });
}

}  // namespace mink::http

#include <mink/http/metrics_route.hpp>

#include <mink/actors/projection_runner.hpp>
#include <mink/actors/saga_manager.hpp>
#include <mink/http/http_metrics.hpp>
#include <mink/http/prometheus.hpp>
#include <mink/messaging/metrics_middleware.hpp>
#include <mink/persistence/connection_pool.hpp>

#include <boost/beast/http/field.hpp>

namespace mink::http {
namespace {

double num(std::uint64_t v) { return static_cast<double>(v); }

void write_commands(prometheus_writer& w, const mink::command_metrics& m) {
  const auto series = m.snapshot();
  for (const auto& [key, s] : series) {
    w.counter("mink_commands_total", "Commands dispatched, by command type and outcome (ok, replayed, or the error).",
              {{"command_type", key.first}, {"outcome", key.second}}, num(s.count));
  }
  for (const auto& [key, s] : series) {
    w.histogram("mink_command_duration_seconds", "Time to dispatch commands, by command type and outcome.",
                {{"command_type", key.first}, {"outcome", key.second}}, mink::command_metrics::bucket_bounds,
                s.buckets, s.seconds_sum);
  }
  for (const auto& [type, n] : m.events_snapshot()) {
    w.counter("mink_events_appended_total", "Events appended by successful commands, by command type.",
              {{"command_type", type}}, num(n));
  }
}

void write_pool(prometheus_writer& w, const persistence::pool_stats& s) {
  const metric_labels none;
  w.gauge("mink_pool_connections_in_use", "Database connections leased now.", none, num(s.in_use));
  w.gauge("mink_pool_connections_idle", "Database connections open and ready.", none, num(s.idle));
  w.gauge("mink_pool_connections_connecting", "Database connections being established.", none, num(s.connecting));
  w.gauge("mink_pool_waiting", "Acquisitions waiting for a database connection.", none, num(s.waiting));
  w.counter("mink_pool_connects_total", "Database connections established.", none, num(s.connects));
  w.counter("mink_pool_connect_failures_total", "Failed database connection attempts.", none,
            num(s.connect_failures));
  w.counter("mink_pool_discarded_total", "Database connections closed as broken, expired or dirty.", none,
            num(s.discarded));
  w.counter("mink_pool_acquire_timeouts_total", "Acquisitions that timed out.", none, num(s.acquire_timeouts));
}

void write_registries(prometheus_writer& w, const metrics_sources& src) {
  std::vector<std::pair<std::string_view, actors::registry_stats>> stats;
  for (const auto& [name, fn] : src.registries)
    if (fn) stats.emplace_back(name, fn());
  // One family at a time, as the format wants.
  for (const auto& [name, s] : stats)
    w.gauge("mink_actors_active", "Actors in memory.", {{"registry", name}}, num(s.active));
  for (const auto& [name, s] : stats)
    w.gauge("mink_actor_mailbox_depth", "Messages queued in actor mailboxes.", {{"registry", name}},
            num(s.mailbox_depth));
  for (const auto& [name, s] : stats)
    w.gauge("mink_actor_max_mailbox_depth", "The deepest any one mailbox has been.", {{"registry", name}},
            num(s.max_mailbox_depth));
  for (const auto& [name, s] : stats)
    w.counter("mink_actor_activations_total", "Actors activated.", {{"registry", name}}, num(s.activations));
  for (const auto& [name, s] : stats)
    w.counter("mink_actor_passivations_total", "Actors passivated.", {{"registry", name}}, num(s.passivations));
  for (const auto& [name, s] : stats)
    w.counter("mink_actor_rejected_total", "Messages refused because a mailbox was full.", {{"registry", name}},
              num(s.rejected));
}

void write_projections(prometheus_writer& w, const actors::projection_runner& runner) {
  const auto statuses = runner.statuses();
  for (const auto& s : statuses)
    w.gauge("mink_projection_position", "Global log position a projection has applied.", {{"projection", s.name}},
            static_cast<double>(s.position));
  for (const auto& s : statuses)
    w.gauge("mink_projection_head", "Highest committed global log position the projection has seen.",
            {{"projection", s.name}}, static_cast<double>(s.head));
  for (const auto& s : statuses)
    w.gauge("mink_projection_lag", "Events between the log's head and a projection's position.",
            {{"projection", s.name}}, static_cast<double>(s.lag));
  for (const auto& s : statuses) {
    static constexpr actors::projection_state states[] = {
        actors::projection_state::running, actors::projection_state::paused, actors::projection_state::rebuilding,
        actors::projection_state::faulted, actors::projection_state::inline_};
    for (const auto state : states)
      w.gauge("mink_projection_state", "1 for a projection's current state, 0 for the others.",
              {{"projection", s.name}, {"state", actors::to_string(state)}}, s.state == state ? 1 : 0);
  }
  for (const auto& s : statuses)
    if (s.rebuild_position)
      w.gauge("mink_projection_rebuild_position", "Global log position a running rebuild has reached.",
              {{"projection", s.name}}, static_cast<double>(*s.rebuild_position));
}

void write_sagas(prometheus_writer& w, const actors::saga_manager_stats& s) {
  const metric_labels none;
  w.counter("mink_saga_events_delivered_total", "Events delivered to saga instances (redeliveries included).",
            none, num(s.events_delivered));
  w.counter("mink_saga_deadlines_fired_total", "Saga deadlines fired.", none, num(s.deadlines_fired));
  w.counter("mink_saga_delivery_errors_total", "Saga deliveries that failed and were retried.", none,
            num(s.delivery_errors));
  w.counter("mink_saga_retries_total", "Failed sagas resumed by an operator.", none, num(s.retries));
}

}  // namespace

std::string render_metrics(const metrics_sources& sources) {
  prometheus_writer w;
  if (sources.http) sources.http->write(w);
  if (sources.commands) write_commands(w, *sources.commands);
  if (sources.pool) write_pool(w, sources.pool->stats());
  write_registries(w, sources);
  if (sources.projections) write_projections(w, *sources.projections);
  if (sources.sagas) write_sagas(w, sources.sagas->stats());
  return w.release();
}

void add_metrics_route(router& r, metrics_sources sources) {
  r.get("/metrics", [src = std::move(sources)](request_context& ctx) -> boost::asio::awaitable<response> {
    response res{http::status::ok, ctx.req.version()};
    res.set(boost::beast::http::field::content_type, prometheus_content_type);
    res.body() = render_metrics(src);
    res.prepare_payload();
    co_return res;
  });
}

}  // namespace mink::http

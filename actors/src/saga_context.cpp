#include "saga_core.hpp"

#include <mink/messaging/fail_point.hpp>
#include <mink/messaging/command_bus.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <algorithm>
#include <stdexcept>

namespace mink::actors {

namespace asio = boost::asio;
using persistence::saga_status;
using persistence::step_status;

std::string saga_definition::saga_id(const std::string& correlation_id) const {
  if (saga_id_for) return saga_id_for(correlation_id);
  return type + "-" + correlation_id;
}

std::string derived_uuid(std::string_view name) {
  // A fixed namespace: the ids only need to be stable and distinct from other namespaces' ids.
  static const boost::uuids::uuid ns = boost::uuids::string_generator()("5b1e0f52-6a0e-4c53-9d2f-6d696e6b7361");
  boost::uuids::name_generator_sha1 gen(ns);
  return boost::uuids::to_string(gen(name.data(), name.size()));
}

std::string saga_command_id(std::string_view saga_id, std::string_view key) {
  std::string name(saga_id);
  name += '/';
  name += key;
  return derived_uuid(name);
}

saga_context::saga_context(detail::saga_services& services, const saga_definition& definition,
                           persistence::saga_state& state)
    : services_(services), definition_(definition), state_(state) {}

boost::json::object& saga_context::data() {
  if (!state_.data.is_object()) state_.data = boost::json::object();
  return state_.data.as_object();
}

persistence::saga_step* saga_context::find(std::string_view step) {
  auto it = std::find_if(state_.steps.begin(), state_.steps.end(), [&](const auto& s) { return s.name == step; });
  return it == state_.steps.end() ? nullptr : &*it;
}

const persistence::saga_step* saga_context::find(std::string_view step) const {
  auto it = std::find_if(state_.steps.begin(), state_.steps.end(), [&](const auto& s) { return s.name == step; });
  return it == state_.steps.end() ? nullptr : &*it;
}

step_status saga_context::step_status(std::string_view step) const {
  const auto* s = find(step);
  return s ? s->status : step_status::pending;
}

asio::awaitable<void> saga_context::start_step(std::string_view step) {
  auto def = std::find_if(definition_.steps.begin(), definition_.steps.end(),
                          [&](const auto& d) { return d.name == step; });
  auto* s = find(step);
  if (def == definition_.steps.end() || !s) throw std::invalid_argument("saga step not declared: " + std::string(step));
  s->status = step_status::running;
  s->started_at = std::chrono::system_clock::now();
  s->finished_at.reset();
  s->error.clear();
  state_.current_step = s->name;
  if (state_.status == saga_status::started) state_.status = saga_status::running;
  if (def->run) co_await def->run(*this);
}

void saga_context::complete_step(std::string_view step) {
  auto* s = find(step);
  if (!s || s->status != step_status::running) return;
  s->status = step_status::completed;
  s->finished_at = std::chrono::system_clock::now();
}

void saga_context::fail_step(std::string_view step, std::string error) {
  auto* s = find(step);
  if (!s || s->status != step_status::running) return;
  s->status = step_status::failed;
  s->finished_at = std::chrono::system_clock::now();
  s->error = std::move(error);
  state_.current_step = s->name;
  failed_step_ = s->name;
}

void saga_context::complete() {
  if (state_.status != saga_status::started && state_.status != saga_status::running) return;
  state_.status = saga_status::completed;
}

void saga_context::fail(std::string error) {
  if (auto* s = find(state_.current_step); s && s->error.empty()) s->error = std::move(error);
  state_.status = saga_status::failed;
}

asio::awaitable<dispatch_outcome> saga_context::dispatch(std::string_view key, command_envelope env) {
  env.options.command_id = saga_command_id(state_.saga_id, key);
  env.options.correlation_id = state_.correlation_id;
  if (event_) env.options.causation_id = event_->event_id;
  auto [ec, result] = co_await services_.bus.async_dispatch(std::move(env), asio::as_tuple(asio::use_awaitable));
  // Crash tests: the step's command has had its effect, the saga's state is not saved yet.
  fail_point("saga.after_command");
  dispatch_outcome out;
  out.ec = ec;
  out.result = std::move(result);
  co_return out;
}

asio::awaitable<boost::system::error_code> saga_context::schedule_deadline(std::chrono::milliseconds delay,
                                                                          boost::json::value payload) {
  const auto due = std::chrono::system_clock::now() + delay;
  std::string id = state_.saga_id;
  auto [ec, deadline_id] =
      co_await services_.deadlines.async_schedule(std::move(id), due, std::move(payload), asio::as_tuple(asio::use_awaitable));
  (void)deadline_id;
  if (!ec && services_.deadline_scheduled) services_.deadline_scheduled();
  co_return ec;
}

asio::awaitable<boost::system::error_code> saga_context::cancel_deadlines() {
  std::string id = state_.saga_id;
  auto [ec, n] = co_await services_.deadlines.async_cancel(std::move(id), asio::as_tuple(asio::use_awaitable));
  (void)n;
  co_return ec;
}

std::string saga_context::derived_id(std::string_view key) const { return saga_command_id(state_.saga_id, key); }

asio::any_io_executor saga_context::get_executor() const { return services_.ex; }

}  // namespace mink::actors

// One delivery to one saga instance, on its strand: load, skip what was processed, handle, save,
// compensate. Every state change is saved with the version it was loaded at, so two managers
// working on one saga cannot both win.
#include "saga_core.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <exception>
#include <tuple>

namespace mink::actors::detail {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::saga_state;
using persistence::saga_status;
using persistence::step_status;

namespace {

const saga_step_definition* step_definition(const saga_definition& def, const std::string& name) {
  auto it = std::find_if(def.steps.begin(), def.steps.end(), [&](const auto& s) { return s.name == name; });
  return it == def.steps.end() ? nullptr : &*it;
}

bool is_start_event(const saga_definition& def, const std::string& type) {
  return std::find(def.start_events.begin(), def.start_events.end(), type) != def.start_events.end();
}

saga_state new_instance(const saga_delivery& d) {
  saga_state s;
  s.saga_id = d.saga_id;
  s.saga_type = d.definition->type;
  s.correlation_id = d.correlation_id;
  s.status = saga_status::started;
  s.data = boost::json::object();
  for (const auto& step : d.definition->steps) {
    persistence::saga_step added;
    added.name = step.name;
    s.steps.push_back(std::move(added));
  }
  return s;
}

/// Saves `s` as the next version of the instance; on failure forgets the cached state, so that
/// the next delivery reloads whatever the store holds.
asio::awaitable<error_code> save(persistence::saga_store& store, saga_actor& actor, saga_state& s,
                                 const saga_delivery* via = nullptr) {
  const std::uint64_t expected = actor.state ? actor.state->version : 0;
  saga_state copy = s;
  error_code ec;
  std::uint64_t version = 0;
  if (via && via->handler_save) {
    std::tie(ec, version) = co_await via->handler_save(std::move(copy), expected);
  } else {
    std::tie(ec, version) = co_await store.async_save(std::move(copy), expected, asio::as_tuple(asio::use_awaitable));
  }
  if (ec) {
    actor.loaded = false;
    actor.state.reset();
    co_return ec;
  }
  s.version = version;
  actor.state = s;
  co_return error_code();
}

asio::awaitable<void> cancel_deadlines(saga_services& services, const std::string& saga_id) {
  // Best effort: a deadline left behind fires into a saga that has ended, whose handler ignores it.
  std::string id = saga_id;
  auto [ec, n] = co_await services.deadlines.async_cancel(std::move(id), asio::as_tuple(asio::use_awaitable));
  (void)ec;
  (void)n;
}

/// Compensates, newest first, every step that completed (or whose compensation was interrupted).
asio::awaitable<error_code> compensate(saga_services& services, persistence::saga_store& store, saga_actor& actor,
                                       const saga_definition& def) {
  saga_state state = *actor.state;
  state.status = saga_status::compensating;
  for (auto i = state.steps.size(); i-- > 0;) {
    if (state.steps[i].status != step_status::completed && state.steps[i].status != step_status::compensating)
      continue;
    state.steps[i].status = step_status::compensating;
    state.steps[i].error.clear();
    state.current_step = state.steps[i].name;
    error_code failure;
    const auto* sd = step_definition(def, state.steps[i].name);
    if (sd && sd->compensate) {
      saga_context ctx(services, def, state);
      error_code transient;
      try {
        failure = co_await sd->compensate(ctx);
      } catch (const boost::system::system_error& e) {
        transient = e.code() ? e.code() : error_code(errc::internal_error);
      } catch (const std::exception&) {
        failure = errc::unhandled_exception;
      }
      // Not a verdict on the compensation: the saga stays compensating, and the next delivery
      // (the same event, read again) resumes here.
      if (transient) co_return transient;
    }
    if (failure) {
      state.steps[i].error = "compensation failed: " + failure.message();
      state.status = saga_status::failed;
      co_return co_await save(store, actor, state);
    }
    state.steps[i].status = step_status::compensated;
    state.steps[i].finished_at = std::chrono::system_clock::now();
    if (auto ec = co_await save(store, actor, state)) co_return ec;
  }
  state.status = saga_status::compensated;
  if (auto ec = co_await save(store, actor, state)) co_return ec;
  co_await cancel_deadlines(services, state.saga_id);
  co_return error_code();
}

/// Runs `action` on a working copy, then saves what it did (with `marker` as processed) and
/// carries out what it decided: compensation, or the end of the saga.
asio::awaitable<error_code> handle(saga_services& services, persistence::saga_store& store, saga_actor& actor,
                                   const saga_delivery& d, saga_state working, const saga_action* action,
                                   bool retry_step) {
  const auto& def = *d.definition;
  saga_context ctx(services, def, working);
  if (d.event) ctx.set_event(&*d.event);
  if (d.deadline) ctx.set_deadline(&*d.deadline);
  std::string thrown;
  error_code transient;
  try {
    if (retry_step) {
      working.status = saga_status::running;
      co_await ctx.start_step(working.current_step);
    } else if (action && *action) {
      co_await (*action)(ctx);
    }
  } catch (const boost::system::system_error& e) {
    transient = e.code() ? e.code() : error_code(errc::internal_error);
  } catch (const std::exception& e) {
    thrown = e.what();
  } catch (...) {
    thrown = "unknown exception";
  }
  // Nothing is saved: the delivery fails and is repeated (effects keyed by derived ids repeat
  // harmlessly).
  if (transient) co_return transient;
  if (!thrown.empty()) {
    // The handler's half-made changes are dropped: the saga stops, failed, and says why.
    working = actor.state ? *actor.state : new_instance(d);
    saga_context failed(services, def, working);
    failed.fail("handler threw: " + thrown);
  }

  if (d.event) working.processed.push_back(d.event->event_id);
  if (d.deadline) working.processed.push_back("deadline:" + std::to_string(d.deadline->deadline_id));

  bool must_compensate = false;
  const bool active = working.status == saga_status::started || working.status == saga_status::running;
  if (thrown.empty() && !ctx.failed_step().empty() && active) {
    const auto* sd = step_definition(def, ctx.failed_step());
    if (sd && sd->on_failure == step_failure_policy::fail_saga) {
      working.status = saga_status::failed;
    } else {
      working.status = saga_status::compensating;
      must_compensate = true;
    }
  }
  if (auto ec = co_await save(store, actor, working, &d)) co_return ec;
  if (must_compensate) co_return co_await compensate(services, store, actor, def);
  if (working.status == saga_status::completed || working.status == saga_status::failed)
    co_await cancel_deadlines(services, working.saga_id);
  co_return error_code();
}

asio::awaitable<error_code> retry(saga_services& services, persistence::saga_store& store, saga_actor& actor,
                                  const saga_delivery& d) {
  const saga_state& s = *actor.state;
  if (s.status != saga_status::failed) co_return errc::saga_not_retryable;
  const bool compensation_failed = std::any_of(s.steps.begin(), s.steps.end(), [](const auto& step) {
    return step.status == step_status::compensating;
  });
  if (compensation_failed) co_return co_await compensate(services, store, actor, *d.definition);
  const auto failed = std::find_if(s.steps.begin(), s.steps.end(), [](const auto& step) {
    return step.status == step_status::failed;
  });
  if (failed == s.steps.end()) co_return errc::saga_not_retryable;
  saga_state working = s;
  working.current_step = failed->name;
  co_return co_await handle(services, store, actor, d, std::move(working), nullptr, true);
}

}  // namespace

asio::awaitable<error_code> deliver(saga_services& services, persistence::saga_store& store, saga_actor& actor,
                                    const saga_delivery& d) {
  if (!actor.loaded) {
    std::string id = d.saga_id;
    auto [ec, found] = co_await store.async_find(std::move(id), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return ec;
    actor.state = std::move(found);
    actor.loaded = true;
  }
  const auto& def = *d.definition;
  if (!actor.state) {
    if (d.retry) co_return errc::saga_not_found;
    if (!d.event || !is_start_event(def, d.event->type)) co_return error_code();
    auto it = def.on_event.find(d.event->type);
    const saga_action* start = it == def.on_event.end() ? nullptr : &it->second;
    co_return co_await handle(services, store, actor, d, new_instance(d), start, false);
  }
  // A compensation interrupted (a crash, the database) goes on before anything else happens.
  if (actor.state->status == saga_status::compensating) {
    if (auto ec = co_await compensate(services, store, actor, def)) co_return ec;
    if (d.retry) co_return error_code();
  }
  if (d.retry) co_return co_await retry(services, store, actor, d);

  if (d.event && actor.state->has_processed(d.event->event_id)) co_return error_code();
  if (d.deadline && actor.state->has_processed("deadline:" + std::to_string(d.deadline->deadline_id)))
    co_return error_code();
  const saga_action* action = &def.on_deadline;
  if (d.event) {
    auto it = def.on_event.find(d.event->type);
    if (it == def.on_event.end()) co_return error_code();
    action = &it->second;
  }
  co_return co_await handle(services, store, actor, d, *actor.state, action, false);
}

}  // namespace mink::actors::detail

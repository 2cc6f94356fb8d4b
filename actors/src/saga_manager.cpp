#include "saga_core.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

namespace mink::actors {

namespace asio = boost::asio;
using boost::system::error_code;

namespace detail {

saga_manager_core::saga_manager_core(asio::any_io_executor executor, persistence::event_store& event_store,
                                     persistence::saga_store& saga_store, persistence::deadline_store& deadlines,
                                     persistence::checkpoint_store& checkpoint_store, command_bus& bus,
                                     saga_manager_params p)
    : ex(executor),
      strand(asio::make_strand(executor)),
      events(event_store),
      sagas(saga_store),
      checkpoints(checkpoint_store),
      params(p),
      services{executor, bus, deadlines, {}},
      registry(executor, p.actors, [](const std::string&) { return std::make_unique<saga_actor>(); }),
      read_timer(strand),
      deadline_timer(strand) {
  pg_sagas = dynamic_cast<persistence::pg_saga_store*>(&saga_store);
  pg_deadlines = dynamic_cast<persistence::pg_deadline_store*>(&deadlines);
  if (params.batch_size == 0) params.batch_size = 1;
  if (params.deadline_batch == 0) params.deadline_batch = 1;
}

void saga_manager_core::wake() {
  if (!wake_pending.exchange(true)) {
    count(&saga_manager_stats::wakes);
    asio::post(strand, [self = shared_from_this()] { self->read_timer.cancel(); });
  }
  if (!deadline_wake_pending.exchange(true))
    asio::post(strand, [self = shared_from_this()] { self->deadline_timer.cancel(); });
}

void saga_manager_core::cancel() {
  asio::post(strand, [self = shared_from_this()] {
    self->stopped = true;
    self->read_timer.cancel();
    self->deadline_timer.cancel();
  });
}

asio::awaitable<void> saga_manager_core::sleep(asio::steady_timer& timer, std::chrono::steady_clock::duration d) {
  if (stopped) co_return;
  timer.expires_after(d);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  (void)ec;  // cancelled by wake() or cancel(): either way, look again
}

const saga_definition* saga_manager_core::definition_of_saga(const std::string& saga_type) const {
  auto it = std::find_if(definitions.begin(), definitions.end(), [&](const auto& d) { return d.type == saga_type; });
  return it == definitions.end() ? nullptr : &*it;
}

asio::awaitable<error_code> saga_manager_core::ask(saga_delivery d) {
  std::string key = d.saga_id;
  auto work = [this, delivery = std::move(d)](saga_actor& actor) { return deliver(services, sagas, actor, delivery); };
  auto [ec, result] = co_await registry.async_ask<error_code>(std::move(key), std::move(work),
                                                               asio::as_tuple(asio::use_awaitable));
  co_return ec ? ec : result;
}

asio::awaitable<void> saga_manager_core::run() {
  using namespace asio::experimental::awaitable_operators;
  co_await (read_loop() && deadline_loop());
  co_await registry.async_shutdown(asio::use_awaitable);
}

asio::awaitable<void> saga_manager_core::read_loop() {
  std::vector<log_position> positions(definitions.size());
  for (std::size_t i = 0; i < definitions.size() && !stopped;) {
    auto [ec, cp] = co_await checkpoints.async_load("saga:" + definitions[i].type, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_await sleep(read_timer, params.retry_delay);
      continue;
    }
    if (cp) positions[i] = cp->position;
    ++i;
  }
  while (!stopped) {
    wake_pending.store(false);
    bool moved = false;
    for (std::size_t i = 0; i < definitions.size() && !stopped; ++i) {
      if (co_await pump(definitions[i], positions[i])) moved = true;
      if (i == 0) {
        std::lock_guard lock(stats_mtx);
        counters.position = positions[0];
      }
    }
    if (moved || wake_pending.load()) continue;
    co_await sleep(read_timer, params.poll_interval);
  }
}

void saga_manager_core::count(std::uint64_t saga_manager_stats::*field) {
  std::lock_guard lock(stats_mtx);
  ++(counters.*field);
}

}  // namespace detail

// The public face.

saga_manager::saga_manager(asio::any_io_executor ex, persistence::event_store& events, persistence::saga_store& sagas,
                           persistence::deadline_store& deadlines, persistence::checkpoint_store& checkpoints,
                           command_bus& bus, saga_manager_params params)
    : sagas_(sagas),
      core_(std::make_shared<detail::saga_manager_core>(std::move(ex), events, sagas, deadlines, checkpoints, bus,
                                                        params)) {
  // Scheduling a deadline wakes the deadline loop: it may be earlier than the one it sleeps for.
  core_->services.deadline_scheduled = [weak = std::weak_ptr<detail::saga_manager_core>(core_)] {
    if (auto core = weak.lock(); core && !core->deadline_wake_pending.exchange(true))
      asio::post(core->strand, [core] { core->deadline_timer.cancel(); });
  };
}

saga_manager::~saga_manager() = default;

error_code saga_manager::add(saga_definition definition) {
  if (definition.type.empty()) return errc::empty_saga_type;
  if (!definition.correlate) return errc::empty_name;
  if (core_->definition_of_saga(definition.type)) return errc::duplicate_registration;
  core_->definitions.push_back(std::move(definition));
  return {};
}

void saga_manager::cancel() { core_->cancel(); }

void saga_manager::wake() { core_->wake(); }

saga_manager_stats saga_manager::stats() const {
  std::lock_guard lock(core_->stats_mtx);
  return core_->counters;
}

void saga_manager::run(asio::any_completion_handler<void(error_code)> handler) {
  auto core = core_;
  auto handler_ex = asio::get_associated_executor(handler, core->ex);
  if (core->running.exchange(true)) {
    asio::post(core->ex, [h = std::move(handler)]() mutable { std::move(h)(error_code(errc::operation_in_progress)); });
    return;
  }
  asio::co_spawn(core->strand, [core]() { return core->run(); },
                 asio::bind_executor(handler_ex, [h = std::move(handler), core](std::exception_ptr ep) mutable {
                   std::move(h)(ep ? error_code(errc::internal_error) : error_code());
                 }));
}

void saga_manager::retry(std::string saga_id, asio::any_completion_handler<void(error_code)> handler) {
  auto core = core_;
  auto handler_ex = asio::get_associated_executor(handler, core->ex);
  auto work = [core, id = std::move(saga_id)]() -> asio::awaitable<error_code> {
    if (id.empty()) co_return errc::empty_saga_id;
    std::string key = id;
    auto [ec, state] = co_await core->sagas.async_find(std::move(key), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return ec;
    if (!state) co_return errc::saga_not_found;
    const saga_definition* def = core->definition_of_saga(state->saga_type);
    if (!def) co_return errc::unknown_saga_type;
    detail::saga_delivery d;
    d.definition = def;
    d.saga_id = id;
    d.correlation_id = state->correlation_id;
    d.retry = true;
    auto result = co_await core->ask(std::move(d));
    if (!result) core->count(&saga_manager_stats::retries);
    co_return result;
  };
  asio::co_spawn(core->strand, std::move(work),
                 asio::bind_executor(handler_ex, [h = std::move(handler)](std::exception_ptr ep, error_code ec) mutable {
                   std::move(h)(ep ? error_code(errc::internal_error) : ec);
                 }));
}

}  // namespace mink::actors

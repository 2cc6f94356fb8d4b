#pragma once
// The command bus's terminal stage for one aggregate type: routes each command to the mailbox of
// the actor that owns its stream.

#include <mink/actors/actor_registry.hpp>
#include <mink/actors/aggregate_actor.hpp>
#include <mink/messaging/command_bus.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace mink::actors {

/// What a command without an aggregate id gets from a terminal handler: errc::invalid_command.
inline dispatch_outcome missing_aggregate_id(std::string_view command_type) {
  return dispatch_failure(errc::invalid_command, std::string(command_type) + ": aggregate id is empty");
}

/// Owns the actors of decider `D` (one per stream "<category>-<id>", activated on their first
/// command, passivated when idle) and registers a bus handler for each of its command types.
/// Must outlive the bus's dispatches; shut it down (async_shutdown) before destroying it.
template <decider D>
class aggregate_router {
 public:
  using actor_type = aggregate_actor<D>;

  aggregate_router(boost::asio::any_io_executor ex, aggregate_services services, registry_params registry = {},
                   aggregate_params params = {})
      : registry_(std::move(ex), registry, [services, params](const std::string& stream_id) {
          return std::make_unique<actor_type>(stream_id, services, params);
        }) {}

  /// Registers, on `bus`, a handler for each of `Commands` that routes to this router's actors.
  /// errc::duplicate_registration when a type already has a handler (those before it stay).
  template <class... Commands>
    requires(decides<D, Commands> && ...)
  boost::system::error_code route(command_bus& bus) {
    boost::system::error_code ec;
    (void)((ec = bus.register_handler<Commands>(handler_for<Commands>()), !ec) && ...);
    return ec;
  }

  /// The handler that routes command `C` to its actor: the actor's answer, or errc::mailbox_full,
  /// errc::shutting_down, errc::unhandled_exception (decide or evolve threw), errc::invalid_command
  /// (an empty aggregate id).
  template <class C>
    requires decides<D, C>
  command_handler handler_for() {
    return [this](const command_envelope& env) -> boost::asio::awaitable<dispatch_outcome> {
      std::string id = env.command->aggregate_id();
      if (id.empty()) co_return missing_aggregate_id(C::type_name);
      // Named, not a temporary inside the co_await: GCC 12 destroys such temporaries twice.
      auto work = [env](actor_type& actor) { return actor.template handle<C>(env); };
      std::string stream = stream_id_of<D>(id);
      auto [ec, out] = co_await registry_.template async_ask<dispatch_outcome>(
          std::move(stream), std::move(work), boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return dispatch_failure(ec);
      co_return out;
    };
  }

  actor_registry<actor_type>& registry() noexcept { return registry_; }

  /// Stops taking commands, finishes those queued. Completion: void(error_code).
  template <class CompletionToken>
  auto async_shutdown(CompletionToken&& token) {
    return registry_.async_shutdown(std::forward<CompletionToken>(token));
  }

 private:
  actor_registry<actor_type> registry_;
};

/// A handler for command `C` without actors: each command loads the aggregate, decides, appends
/// with the loaded version and the envelope's idempotency claim (retrying on a conflict as the
/// actor does). `services` must outlive the handler.
template <decider D, class C>
  requires decides<D, C>
command_handler load_execute_save_handler(aggregate_services services, aggregate_params params = {}) {
  return [services, params](const command_envelope& env) -> boost::asio::awaitable<dispatch_outcome> {
    std::string id = env.command->aggregate_id();
    if (id.empty()) co_return missing_aggregate_id(C::type_name);
    aggregate_actor<D> once(stream_id_of<D>(id), services, params);
    dispatch_outcome out = co_await once.template handle<C>(env);
    co_return out;
  };
}

}  // namespace mink::actors

#pragma once
// Keyed, strand-serialized actors with bounded mailboxes, activated on demand and passivated when idle.

#include <mink/actors/detail/job.hpp>
#include <mink/actors/detail/registry_core.hpp>
#include <mink/actors/registry_params.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace mink::actors {

/// Owns one `Actor` (the user's state object) per key, each with its own strand on the shared
/// executor and a bounded mailbox. An actor handles one message at a time: the next starts only
/// when the previous one, including everything it co_awaited, has completed.
///
/// Activation: the first message to a key creates its actor; the factory is called on the
/// actor's strand just before that message runs. Passivation destroys the Actor: after
/// `idle_timeout` without messages, or, least recently used first, when more than `max_active`
/// actors are active. Only idle actors (nothing running, nothing queued) are passivated. The next
/// message to a passivated key activates a fresh Actor from the factory.
///
/// Thread safety: all member functions may be called from any thread, concurrently, and the
/// executor may be an io_context run by several threads. An Actor is only ever touched by one
/// message at a time, so it needs no locking of its own.
///
/// Lifetime: call async_shutdown and wait for it before destroying the registry. A registry
/// destroyed earlier stops taking messages; those already queued still run and complete, as long
/// as the executor runs. The executor must outlive all of it.
template <class Actor>
class actor_registry {
 public:
  using executor_type = boost::asio::any_io_executor;
  using factory_type = std::function<std::unique_ptr<Actor>(const std::string& key)>;

  /// `factory` makes the Actor of a key on activation; it runs on that actor's strand, may throw
  /// (the message that activated it fails with errc::unhandled_exception) and must not return null.
  actor_registry(executor_type ex, registry_params params, factory_type factory)
      : ex_(ex), core_(detail::make_registry_core(std::move(ex), params, make_ops(std::move(factory)))) {}

  ~actor_registry() { detail::stop(*core_); }
  actor_registry(const actor_registry&) = delete;
  actor_registry& operator=(const actor_registry&) = delete;

  executor_type get_executor() const noexcept { return ex_; }

  /// Runs `work(Actor&)`, which returns boost::asio::awaitable<R>, on the actor of `key`
  /// (activating it if needed), on that actor's strand, after every earlier message to it has
  /// completed. R must be default-constructible and movable. `work` is kept alive until the
  /// message completes, so a coroutine lambda may use its captures.
  ///
  /// Completion: void(error_code, R), on the handler's associated executor (default: the
  /// registry's executor), never inside this call. On error R is default-constructed.
  /// Errors: errc::mailbox_full (reject policy and the mailbox is full; immediate),
  /// errc::shutting_down (async_shutdown has begun; immediate), errc::unhandled_exception (the
  /// work or the factory threw; the actor lives on and takes its next message).
  /// Cancellation: not supported; once accepted, a message runs.
  /// Work must not wait for another message to its own actor: that one cannot start before it ends.
  /// With a deferred token (use_awaitable, deferred) the registry must outlive the initiation.
  template <class R, class Work, class CompletionToken>
  auto async_ask(std::string key, Work work, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, R)>(
        [core = core_.get()](auto handler, std::string k, Work w) {
          detail::submit(*core, std::move(k),
                         std::make_unique<detail::ask_job<Actor, R, Work>>(std::move(w), std::move(handler)));
        },
        token, std::move(key), std::move(work));
  }

  /// Stops taking messages (later ones fail with errc::shutting_down), lets every accepted
  /// message (queued, or a sender waiting for room) run to completion, passivates every actor,
  /// then completes. Completion: void(error_code), always success, on the handler's associated
  /// executor (default: the registry's), never inside this call. Calling it again is harmless:
  /// each call completes once everything has stopped. Cancellation: not supported.
  template <class CompletionToken>
  auto async_shutdown(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [core = core_.get()](auto handler) { detail::shutdown(*core, std::move(handler)); }, token);
  }

  /// A snapshot of the counters. Thread-safe.
  registry_stats stats() const { return detail::stats(*core_); }

 private:
  static detail::actor_type_ops make_ops(factory_type factory) {
    detail::actor_type_ops ops;
    ops.make = [f = std::move(factory)](const std::string& key) -> void* { return f(key).release(); };
    ops.destroy = [](void* actor) noexcept { delete static_cast<Actor*>(actor); };
    return ops;
  }

  executor_type ex_;
  std::shared_ptr<detail::registry_core> core_;
};

}  // namespace mink::actors

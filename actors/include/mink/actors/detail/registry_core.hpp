#pragma once
// The compiled part of actor_registry: everything that does not depend on the actor's type.

#include <mink/actors/detail/job.hpp>
#include <mink/actors/registry_params.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <memory>
#include <string>

namespace mink::actors::detail {

class registry_core;  // src/registry_core.hpp

/// How the core makes and destroys the user's state objects, whose type it does not know.
/// `make` may throw or return null (the message that needed it fails with unhandled_exception).
struct actor_type_ops {
  std::function<void*(const std::string& key)> make;
  void (*destroy)(void* actor) noexcept = nullptr;
};

using shutdown_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

std::shared_ptr<registry_core> make_registry_core(boost::asio::any_io_executor ex, registry_params params,
                                                  actor_type_ops ops);

/// Takes ownership of `j`: queues it to the actor of `key` or completes it with an error.
void submit(registry_core& core, std::string key, std::unique_ptr<job> j);

void shutdown(registry_core& core, shutdown_handler handler);

/// Begins shutting down without a handler to complete (the registry object is going away).
void stop(registry_core& core) noexcept;

registry_stats stats(const registry_core& core);

}  // namespace mink::actors::detail

#pragma once
// The command pipeline most applications want, in the order that keeps each stage correct.

#include <mink/messaging/command_bus.hpp>
#include <mink/messaging/logging_middleware.hpp>
#include <mink/messaging/metrics_middleware.hpp>
#include <mink/messaging/retry_middleware.hpp>
#include <mink/persistence/idempotency.hpp>

#include <chrono>
#include <memory>

namespace mink::persistence {
class idempotency_store;
}

namespace mink::actors {

struct pipeline_params {
  command_logger logger;                       ///< Empty: no logging stage.
  std::shared_ptr<command_metrics> metrics;    ///< Empty: no metrics stage.
  /// Bounds the wait for a command's answer (zero: no timeout stage).
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(30);
  std::chrono::seconds idempotency_ttl = persistence::default_idempotency_ttl;
  retry_params retry = default_retry();

  /// Retries the framework's transient errors and the database's (persistence::is_transient).
  static retry_params default_retry();
};

/// Adds, outer to inner: recovery, metrics, logging, validation, correlation id, causation id,
/// timeout, idempotency, retry. Why this order: recovery sees everything; metrics and logging see
/// every outcome, rejections included, and the ids the inner stages fill in; validation rejects
/// before any work; the ids are set before the timeout stage copies the envelope; a timed-out
/// command still completes its idempotency record; retries happen under the same key, so an
/// attempt that did commit is answered as a replay. `idempotency` must outlive the bus.
void use_standard_pipeline(command_bus& bus, persistence::idempotency_store& idempotency, pipeline_params params = {});

}  // namespace mink::actors

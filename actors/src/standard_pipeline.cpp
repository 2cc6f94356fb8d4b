#include <mink/actors/standard_pipeline.hpp>
#include <mink/messaging/correlation_middleware.hpp>
#include <mink/messaging/recovery_middleware.hpp>
#include <mink/messaging/timeout_middleware.hpp>
#include <mink/messaging/validation_middleware.hpp>
#include <mink/persistence/pg_error.hpp>
#include <mink/persistence/idempotency_middleware.hpp>

namespace mink::actors {

retry_params pipeline_params::default_retry() {
  retry_params r;
  r.is_transient = [](const boost::system::error_code& ec) { return persistence::is_transient(ec); };
  return r;
}

void use_standard_pipeline(command_bus& bus, persistence::idempotency_store& idempotency, pipeline_params params) {
  bus.use(std::make_shared<recovery_middleware>());
  if (params.metrics) bus.use(std::make_shared<metrics_middleware>(params.metrics));
  if (params.logger) bus.use(std::make_shared<logging_middleware>(params.logger));
  bus.use(std::make_shared<validation_middleware>());
  bus.use(std::make_shared<correlation_id_middleware>());
  bus.use(std::make_shared<causation_id_middleware>());
  if (params.timeout.count() > 0) bus.use(std::make_shared<timeout_middleware>(params.timeout));
  bus.use(std::make_shared<persistence::idempotency_middleware>(idempotency, params.idempotency_ttl));
  bus.use(std::make_shared<retry_middleware>(params.retry));
}

}  // namespace mink::actors

#pragma once
// The validation stage: commands that fail their own checks never reach a handler.

#include <mink/messaging/middleware.hpp>

namespace mink {

/// Calls the command's validate(); if any field fails, answers errc::validation_failed with every
/// failing field in result.field_errors (and "sku: is required; quantity: ..." as error_message)
/// without calling the inner stages. A command without an aggregate id fails as field "aggregate_id".
class validation_middleware final : public middleware {
 public:
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;
};

}  // namespace mink

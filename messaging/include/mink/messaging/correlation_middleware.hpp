#pragma once
// The correlation id and causation id stages: every command knows its conversation and its cause.

#include <mink/messaging/middleware.hpp>

namespace mink {

/// Keeps the caller's correlation id, or generates one (a UUID). The aggregate copies it into the
/// metadata of every event the command records; the result carries it back.
class correlation_id_middleware final : public middleware {
 public:
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;
};

/// Keeps the caller's causation id (a saga passes the id of the event that caused the command), or
/// uses the command id. The aggregate copies it into the metadata of every event it records.
class causation_id_middleware final : public middleware {
 public:
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;
};

}  // namespace mink

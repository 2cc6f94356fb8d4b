#pragma once
// What a dispatched command answers.

#include <mink/messaging/command.hpp>
#include <mink/messaging/expected_version.hpp>

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mink {

/// The outcome of a command. On success: where its events went. On failure the error code says
/// what kind of failure it was and the fields below say the details a user needs.
struct dispatch_result {
  std::string command_id;
  std::string correlation_id;
  std::string stream_id;
  std::uint64_t version = 0;             ///< The stream's version after the command.
  std::vector<std::int64_t> positions;   ///< Global positions of the events it recorded.
  std::size_t event_count = 0;
  /// The command had already been executed under its idempotency key: this is the original result.
  bool replayed = false;

  /// A readable account of a failure: the domain error's message, or
  /// `concurrency conflict on stream "Order-1": expected version 1, got 2`.
  std::string error_message;
  std::vector<field_error> field_errors;  ///< errc::validation_failed: every failing field.
  std::optional<expected_version> expected;      ///< errc::wrong_expected_version: what was expected ...
  std::optional<std::uint64_t> actual_version;   ///< ... and what the stream was at.
};

/// A stage's answer inside the pipeline (the public completion is void(error_code, dispatch_result)).
struct dispatch_outcome {
  boost::system::error_code ec;
  dispatch_result result;
};

/// The outcome for failure `ec`, with error_message taken from ec.message() unless given.
dispatch_outcome dispatch_failure(boost::system::error_code ec, std::string message = {});

/// JSON of a result ({"command_id", "stream_id", "version", "positions", "event_count", ...}) and
/// back; used to store a command's result with its idempotency key.
boost::json::value to_json(const dispatch_result& r);
dispatch_result dispatch_result_from_json(const boost::json::value& v);

}  // namespace mink

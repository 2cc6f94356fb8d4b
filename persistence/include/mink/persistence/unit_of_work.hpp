#pragma once
// A unit of work: appends to several streams and projection checkpoints that commit together or
// not at all (event_store::async_commit).

#include <mink/messaging/event.hpp>
#include <mink/messaging/expected_version.hpp>
#include <mink/persistence/append.hpp>
#include <mink/persistence/checkpoint_store.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace mink::persistence {

/// The writes of one unit. Appends run in order (two appends to one stream see each other), each
/// with its own expected version and, through its options, an idempotency key; checkpoints are
/// saved as checkpoint_store::async_save saves them, in the same transaction.
struct unit_of_work {
  struct append_request {
    std::string stream_id;
    expected_version expected;
    std::vector<event_data> events;
    append_options options;
  };
  std::vector<append_request> appends;
  std::vector<checkpoint> checkpoints;

  unit_of_work& append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                       append_options options = {}) {
    appends.push_back(append_request{std::move(stream_id), expected, std::move(events), std::move(options)});
    return *this;
  }
  unit_of_work& save(checkpoint c) {
    checkpoints.push_back(std::move(c));
    return *this;
  }
};

struct unit_of_work_result {
  /// One per append, in order. When the unit failed, only the failing one's is meaningful.
  std::vector<append_result> appends;
  /// The index of the append whose error failed the unit; no_failure when none did.
  std::size_t failed_append = no_failure;
  static constexpr std::size_t no_failure = std::numeric_limits<std::size_t>::max();
};

/// Checks every append as async_append does (filling in missing event ids) and every checkpoint
/// name; on an append's error, result.failed_append names it. Shared by every implementation.
boost::system::error_code validate_unit(unit_of_work& unit, std::size_t max_event_bytes, unit_of_work_result& result);

}  // namespace mink::persistence

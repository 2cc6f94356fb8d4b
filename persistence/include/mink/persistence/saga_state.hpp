#pragma once
// What a saga store keeps about one saga instance: where it is, what it knows, what it has seen.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mink::persistence {

/// Where a saga instance is in its life. Stored as its name (to_string), so that the table reads
/// plainly and new statuses need no migration.
enum class saga_status { started, running, completed, failed, compensating, compensated };

/// Where one step of a saga is. Stored as its name inside the steps JSON.
enum class step_status { pending, running, completed, failed, compensating, compensated };

/// "started", "running", ...: the stored names.
std::string_view to_string(saga_status s) noexcept;
std::string_view to_string(step_status s) noexcept;
/// The status a stored name stands for, or nullopt for a name this version does not know.
std::optional<saga_status> saga_status_from_string(std::string_view name) noexcept;
std::optional<step_status> step_status_from_string(std::string_view name) noexcept;

/// Every saga_status, in declaration order (for counting and listing).
inline constexpr saga_status all_saga_statuses[] = {saga_status::started,   saga_status::running,
                                                    saga_status::completed, saga_status::failed,
                                                    saga_status::compensating, saga_status::compensated};

struct saga_step {
  std::string name;
  step_status status = step_status::pending;
  /// Stored with microsecond precision (as PostgreSQL keeps time), in both stores.
  std::optional<std::chrono::system_clock::time_point> started_at;
  std::optional<std::chrono::system_clock::time_point> finished_at;
  std::string error;  ///< Why the step failed; empty otherwise.

  friend bool operator==(const saga_step&, const saga_step&) = default;
};

/// One saga instance. A saga manager loads it, applies an event, and saves it with the version it
/// loaded (optimistic concurrency: see saga_store::async_save).
struct saga_state {
  std::string saga_id;
  std::string saga_type;       ///< Which saga definition drives this instance.
  std::string correlation_id;  ///< What routes events to it (e.g. the order id).
  saga_status status = saga_status::started;
  std::string current_step;
  std::vector<saga_step> steps;
  boost::json::value data;  ///< The saga's own state, any JSON.
  /// Ids of the events this saga has already handled: delivery is at-least-once, so a redelivered
  /// event is recognised here and skipped. Kept in full, in the order added: a saga is short-lived
  /// and handles few events, and the list is saved atomically with the state it produced.
  std::vector<std::string> processed;
  std::uint64_t version = 0;  ///< Set by the store: 1 after the first save, +1 per save.
  std::chrono::system_clock::time_point created_at;  ///< Set by the store on the first save.
  std::chrono::system_clock::time_point updated_at;  ///< Set by the store on every save.

  /// True if `event_id` is among the processed markers.
  bool has_processed(std::string_view event_id) const noexcept;
};

/// How many sagas are in each status (see saga_store::async_count_by_status).
struct saga_status_counts {
  std::map<saga_status, std::uint64_t> by_status;  ///< Every status is present, 0 when none.
  std::uint64_t total = 0;
};

}  // namespace mink::persistence

#pragma once
// Sagas (process managers): what a saga type declares, and what its handlers may do.

#include <mink/messaging/command_envelope.hpp>
#include <mink/messaging/dispatch_result.hpp>
#include <mink/messaging/event.hpp>
#include <mink/persistence/deadline_store.hpp>
#include <mink/persistence/saga_state.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mink::actors {

class saga_context;

/// A step's work, a handler of an event or a deadline: runs on the saga's strand, may co_await.
/// Exceptions: a boost::system::system_error means "not now" (the database is down ...): nothing
/// is saved and the delivery is repeated later (after retry_delay, for an event; a compensation
/// stays where it was). Any other exception ends the saga failed ("handler threw: ...").
using saga_action = std::function<boost::asio::awaitable<void>(saga_context& ctx)>;
/// Undoes a completed step. An error (or an exception) stops the compensation: the saga ends
/// failed, and async_retry resumes it at this step.
using saga_compensation = std::function<boost::asio::awaitable<boost::system::error_code>(saga_context& ctx)>;

/// What a failed step leads to.
enum class step_failure_policy {
  compensate,  ///< Compensate the completed steps in reverse order; the saga ends compensated.
  fail_saga,   ///< The saga ends failed at once; async_retry re-runs the step.
};

struct saga_step_definition {
  std::string name;
  saga_action run;                 ///< What saga_context::start_step does after marking it running.
  saga_compensation compensate;    ///< Empty: nothing to undo.
  step_failure_policy on_failure = step_failure_policy::compensate;
};

/// A saga type. Every std::function is called on the strand of the instance it concerns; they must
/// stay valid for the manager's lifetime (the manager keeps the definition).
struct saga_definition {
  std::string type;                      ///< e.g. "OrderFulfillment"; names the checkpoint "saga:<type>".
  std::vector<std::string> start_events;  ///< Event types that create an instance when none exists.
  /// The correlation id of an event (e.g. its order id); empty: not for this saga.
  std::function<std::string(const recorded_event&)> correlate;
  /// The saga id of a correlation id; empty function: "<type>-<correlation id>".
  std::function<std::string(const std::string& correlation_id)> saga_id_for;
  std::vector<saga_step_definition> steps;  ///< In forward order (compensated in reverse).
  /// One handler per event type the saga reacts to (the manager reads only these types). A
  /// handler sees events in log order, once each (see docs/sagas.md for redelivery).
  std::map<std::string, saga_action, std::less<>> on_event;
  saga_action on_deadline;  ///< Called with ctx.deadline() set; empty: deadlines are ignored.

  /// saga_id_for(correlation_id), or its default.
  std::string saga_id(const std::string& correlation_id) const;
};

/// A UUID derived from `name` (SHA-1, version 5, in a namespace of mink's): the same name gives the
/// same UUID in every process. saga_command_id(saga, key) is derived_uuid(saga + "/" + key).
std::string derived_uuid(std::string_view name);
std::string saga_command_id(std::string_view saga_id, std::string_view key);

namespace detail {
struct saga_services;
}

/// What a handler can see and do. Changes to the state are saved by the manager after the handler
/// returns, with the processed marker of what it handled, as one new version. Only valid during
/// the handler (or compensation) it was passed to.
class saga_context {
 public:
  saga_context(detail::saga_services& services, const saga_definition& definition, persistence::saga_state& state);

  const persistence::saga_state& state() const noexcept { return state_; }
  const std::string& saga_id() const noexcept { return state_.saga_id; }
  const std::string& correlation_id() const noexcept { return state_.correlation_id; }
  /// The saga's own JSON data (an object; made one if it was not).
  boost::json::object& data();

  /// The event being handled, or nullptr (a deadline, a retry, a compensation).
  const recorded_event* event() const noexcept { return event_; }
  /// The deadline being handled, or nullptr.
  const persistence::saga_deadline* deadline() const noexcept { return deadline_; }

  /// A step's status (pending for a name the definition does not have).
  persistence::step_status step_status(std::string_view step) const;
  bool is_running(std::string_view step) const { return step_status(step) == persistence::step_status::running; }

  /// Marks the step running (start time now, current step) and runs its definition's `run`.
  /// Throws std::invalid_argument for a step the definition does not declare.
  boost::asio::awaitable<void> start_step(std::string_view step);
  /// Marks the step completed (finish time now). No effect unless it is running.
  void complete_step(std::string_view step);
  /// Marks the step failed with `error`; after the handler the saga compensates (or fails, by the
  /// step's policy). No effect unless it is running.
  void fail_step(std::string_view step, std::string error);
  /// Ends the saga completed (its deadlines are cancelled). No effect once compensating or ended.
  void complete();
  /// Ends the saga failed without compensating.
  void fail(std::string error);

  /// Dispatches `env` through the command bus with command id saga_command_id(saga_id, key),
  /// the saga's correlation id and, as causation, the handled event's id. Re-sent after a crash,
  /// the same key gives the same command id, which the idempotency stage answers as a replay.
  boost::asio::awaitable<dispatch_outcome> dispatch(std::string_view key, command_envelope env);
  /// Schedules a durable deadline `delay` from now with `payload`; on_deadline gets it once.
  boost::asio::awaitable<boost::system::error_code> schedule_deadline(std::chrono::milliseconds delay,
                                                                      boost::json::value payload);
  /// Deletes this saga's unfired deadlines.
  boost::asio::awaitable<boost::system::error_code> cancel_deadlines();

  /// saga_command_id(saga_id(), key): for any effect the saga keys itself (event ids ...).
  std::string derived_id(std::string_view key) const;
  boost::asio::any_io_executor get_executor() const;

  // Set by the manager.
  void set_event(const recorded_event* e) noexcept { event_ = e; }
  void set_deadline(const persistence::saga_deadline* d) noexcept { deadline_ = d; }
  /// The step that failed in this handler (empty when none).
  const std::string& failed_step() const noexcept { return failed_step_; }

 private:
  persistence::saga_step* find(std::string_view step);
  const persistence::saga_step* find(std::string_view step) const;

  detail::saga_services& services_;
  const saga_definition& definition_;
  persistence::saga_state& state_;
  const recorded_event* event_ = nullptr;
  const persistence::saga_deadline* deadline_ = nullptr;
  std::string failed_step_;
};

}  // namespace mink::actors

#pragma once
// Framework error codes shared by every mink component.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace mink {

/// Errors raised by mink itself (as opposed to libpq, PostgreSQL or the application's domain).
/// Values are stable: they may be stored or logged.
enum class errc {
  // Concurrency and streams.
  wrong_expected_version = 1,  ///< Optimistic concurrency conflict on a stream.
  stream_not_found,            ///< The stream must exist but does not.
  empty_stream_id,             ///< A stream id was empty.
  no_events,                   ///< An append carried no events.
  invalid_version,             ///< A version argument outside its range (reads start at 1).
  event_too_large,             ///< An event's data + metadata exceed the store's limit.
  invalid_event,               ///< An event without a type, or with an event id that is not a UUID.
  duplicate_event_id,          ///< An event id already stored in another stream (or reused differently).
  idempotency_key_reused,      ///< The same idempotency key with a different request fingerprint.
  schema_too_new,              ///< The database holds a newer schema than this binary knows.
  empty_name,                  ///< A required name (projection, key) was empty.
  unknown_event_type,          ///< An event type name (or C++ type) that is not registered.
  invalid_event_data,          ///< Stored event JSON that does not convert to its registered type.
  duplicate_registration,      ///< A type or name registered twice.
  invalid_ttl,                 ///< A time to live that is not positive.
  // Actors and command bus.
  mailbox_full = 20,           ///< The target actor's bounded mailbox rejected the message.
  timeout,                     ///< An operation did not complete within its deadline.
  shutting_down,               ///< The component is stopping and takes no new work.
  internal_error,              ///< An unexpected exception inside mink (a defect; logged).
  unhandled_exception,         ///< User code (a handler, decide, evolve, middleware) threw.
  validation_failed,           ///< A command failed its validate(); the result lists every field.
  no_handler,                  ///< No handler is registered for the command's type.
  invalid_command,             ///< A command without a type or an aggregate id.
  idempotency_key_in_flight,   ///< The idempotency key is executing right now and the caller asked not to wait.
  // Connection pool.
  pool_exhausted = 40,         ///< Too many acquisitions are already waiting (max_pending reached).
  acquire_timeout,             ///< No connection became available within acquire_timeout.
  connect_timeout,             ///< Establishing a connection took longer than connect_timeout.
  pool_not_running,            ///< The pool was cancelled or its async_run has finished.
  operation_in_progress,       ///< A second operation was started on a connection that is busy.
  not_leased,                  ///< The connection handle is empty (moved from or released).
  // Decoding results.
  unexpected_null = 60,        ///< A NULL was read into a type that cannot hold it.
  type_mismatch,               ///< The column's PostgreSQL type does not convert to the requested type.
  invalid_value,               ///< The column's text could not be parsed as the requested type.
  column_out_of_range,         ///< No such column index or name in the result.
  row_out_of_range,            ///< No such row index in the result.
  // Embedded PostgreSQL.
  postgres_binaries_not_found = 80,  ///< initdb / postgres were not found.
  data_directory_unusable,           ///< Wrong owner, not enterable or not writable.
  postgres_start_failed,             ///< The server exited or never accepted connections.
  postgres_port_in_use,              ///< The chosen socket / port is taken.
  // Sagas and their deadlines (a version conflict on a saga is wrong_expected_version).
  empty_saga_id = 100,               ///< A saga id was empty.
  empty_saga_type,                   ///< A saga type was empty.
  empty_correlation_id,              ///< A saga's correlation id was empty.
  saga_not_found,                    ///< No saga has that id.
  saga_not_retryable,                ///< The saga is neither failed nor stuck compensating.
  unknown_saga_type,                 ///< No saga definition of that type is registered.
  // Projections.
  unknown_projection = 120,          ///< No projection of that name is registered.
  position_not_found,                ///< No committed event has that global position.
  projection_busy,                   ///< The projection cannot do that now (e.g. rebuild an inline one).
};

/// The category of mink::errc.
const boost::system::error_category& framework_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), framework_category()};
}

}  // namespace mink

template <>
struct boost::system::is_error_code_enum<mink::errc> : std::true_type {};

#include <mink/messaging/errc.hpp>

#include <string>

namespace mink {
namespace {

class framework_category_impl final : public boost::system::error_category {
 public:
  // A fixed id keeps categories equal across shared-library boundaries.
  constexpr framework_category_impl() noexcept : error_category(0x6d696e6b00000001ULL) {}

  const char* name() const noexcept override { return "mink"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::wrong_expected_version: return "concurrency conflict: wrong expected version";
      case errc::stream_not_found: return "stream not found";
      case errc::empty_stream_id: return "stream id is empty";
      case errc::no_events: return "no events to append";
      case errc::invalid_version: return "invalid version";
      case errc::event_too_large: return "event too large";
      case errc::invalid_event: return "invalid event: a type is required and an event id must be a UUID";
      case errc::duplicate_event_id: return "event id already used";
      case errc::idempotency_key_reused: return "idempotency key reused with a different request";
      case errc::schema_too_new: return "database schema is newer than this version of mink";
      case errc::empty_name: return "a required name is empty";
      case errc::unknown_event_type: return "unknown event type";
      case errc::invalid_event_data: return "event data does not match its registered type";
      case errc::duplicate_registration: return "already registered";
      case errc::invalid_ttl: return "time to live must be positive";
      case errc::mailbox_full: return "mailbox full";
      case errc::timeout: return "operation timed out";
      case errc::shutting_down: return "shutting down";
      case errc::internal_error: return "internal error";
      case errc::unhandled_exception: return "unhandled exception in user code";
      case errc::validation_failed: return "validation failed";
      case errc::no_handler: return "no handler registered for the command";
      case errc::invalid_command: return "invalid command: a type and an aggregate id are required";
      case errc::idempotency_key_in_flight: return "a command with this idempotency key is still executing";
      case errc::pool_exhausted: return "connection pool exhausted: too many pending acquisitions";
      case errc::acquire_timeout: return "timed out waiting for a pooled connection";
      case errc::connect_timeout: return "timed out connecting to PostgreSQL";
      case errc::pool_not_running: return "connection pool is not running";
      case errc::operation_in_progress: return "another operation is in progress on this connection";
      case errc::not_leased: return "connection handle is empty";
      case errc::unexpected_null: return "unexpected NULL value";
      case errc::type_mismatch: return "column type does not match the requested type";
      case errc::invalid_value: return "column value cannot be parsed as the requested type";
      case errc::column_out_of_range: return "no such column";
      case errc::row_out_of_range: return "no such row";
      case errc::postgres_binaries_not_found: return "PostgreSQL server binaries not found";
      case errc::data_directory_unusable: return "PostgreSQL data directory unusable";
      case errc::postgres_start_failed: return "PostgreSQL server failed to start";
      case errc::postgres_port_in_use: return "PostgreSQL port already in use";
      case errc::empty_saga_id: return "saga id is empty";
      case errc::empty_saga_type: return "saga type is empty";
      case errc::empty_correlation_id: return "saga correlation id is empty";
      case errc::saga_not_found: return "saga not found";
      case errc::saga_not_retryable: return "saga is neither failed nor compensating";
      case errc::unknown_saga_type: return "unknown saga type";
      case errc::unknown_projection: return "no projection of that name";
      case errc::position_not_found: return "no committed event at that global position";
      case errc::projection_busy: return "the projection cannot do that in its current state";
    }
    return "unknown mink error " + std::to_string(value);
  }
};

}  // namespace

const boost::system::error_category& framework_category() noexcept {
  static const framework_category_impl instance;
  return instance;
}

}  // namespace mink

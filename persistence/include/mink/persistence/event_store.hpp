#pragma once
// The event store: streams of events with optimistic concurrency, and the global log.

#include <mink/messaging/event.hpp>
#include <mink/persistence/append.hpp>
#include <mink/persistence/unit_of_work.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace mink::persistence {

enum class read_direction { forward, backward };

/// The last version of a stream, for backward reads from the end.
inline constexpr std::uint64_t stream_end = std::numeric_limits<std::uint64_t>::max();

/// Which events read_all returns; an empty list means no restriction.
struct read_all_filter {
  std::vector<std::string> event_types;
  std::vector<std::string> categories;  ///< Stream category: the stream id up to its first '-'.
};

struct read_all_result {
  std::vector<recorded_event> events;
  /// Where to continue: the last returned event's log position, or `after` when none was returned.
  /// Filtered-out events are passed over too, so a filtered reader does not re-scan them.
  log_position next;
};

struct stream_info {
  std::string stream_id;
  std::uint64_t version = 0;
  std::uint64_t event_count = 0;
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point updated_at;
};

/// The category of a stream id: "Order-42" -> "Order"; an id without '-' is its own category.
std::string stream_category(const std::string& stream_id);

/// Appends and reads events. Implemented on PostgreSQL (pg_event_store) and in memory
/// (memory_event_store) with the same semantics, checked by one conformance suite.
///
/// Every operation completes on the handler's associated executor, never inside the initiating
/// call; arguments are copied (moved) before it starts. Thread safety: all operations may be
/// called concurrently from any thread. Errors arrive as error codes, never exceptions:
/// errc::empty_stream_id, no_events, invalid_event, event_too_large, invalid_version,
/// wrong_expected_version, stream_not_found, duplicate_event_id, and the database's errors
/// (condition::connection_error ...) for the PostgreSQL store.
class event_store {
 public:
  virtual ~event_store() = default;

  /// Appends `events` atomically (all or none) to `stream_id` if its version satisfies `expected`.
  /// A new stream starts at version 0; events get versions current+1, current+2, ...
  /// Appending events whose ids are already stored in that stream (a retry after an unknown
  /// outcome) returns the original result with replayed = true and writes nothing.
  /// `options` may carry an idempotency key recorded in the same transaction (append_options).
  /// Completion: void(error_code, append_result). Errors: those listed above the class, plus
  /// errc::idempotency_key_reused and errc::empty_name (an empty idempotency key).
  template <class CompletionToken>
  auto async_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                    append_options options, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, append_result)>(
        [this](auto handler, std::string s, expected_version e, std::vector<event_data> ev, append_options o) {
          do_append(std::move(s), e, std::move(ev), std::move(o), std::move(handler));
        },
        token, std::move(stream_id), expected, std::move(events), std::move(options));
  }

  /// async_append with default options.
  template <class CompletionToken>
  auto async_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                    CompletionToken&& token) {
    return async_append(std::move(stream_id), expected, std::move(events), append_options{},
                        std::forward<CompletionToken>(token));
  }

  /// Commits every write of `unit` (see unit_of_work.hpp) in one transaction, or none. An append
  /// that is replayed (its ids or its idempotency key already stored) writes nothing and does not
  /// fail the unit; any other failing append fails the whole unit with its error, and
  /// result.failed_append names it. Also errc::empty_name for a checkpoint without a name, and
  /// every error async_append has. Completion: void(error_code, unit_of_work_result).
  template <class CompletionToken>
  auto async_commit(unit_of_work unit, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, unit_of_work_result)>(
        [this](auto handler, unit_of_work u) { do_commit(std::move(u), std::move(handler)); }, token,
        std::move(unit));
  }

  /// Up to `max_count` events of one stream: forward from version `from` (>= 1) upwards, or
  /// backward from `from` (stream_end for the last) downwards. errc::stream_not_found for a stream
  /// with no events; errc::invalid_version for from == 0. Completion:
  /// void(error_code, std::vector<recorded_event>).
  template <class CompletionToken>
  auto async_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count, read_direction direction,
                         CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::vector<recorded_event>)>(
        [this](auto handler, std::string s, std::uint64_t f, std::size_t n, read_direction d) {
          do_read_stream(std::move(s), f, n, d, std::move(handler));
        },
        token, std::move(stream_id), from, max_count, direction);
  }

  /// Up to `max_count` events of the global log after `after`, in commit-safe order: an event is
  /// returned only once every transaction that could still commit before it has ended, so a
  /// reader that continues from read_all_result::next never skips an event.
  /// Completion: void(error_code, read_all_result).
  template <class CompletionToken>
  auto async_read_all(log_position after, std::size_t max_count, read_all_filter filter, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, read_all_result)>(
        [this](auto handler, log_position a, std::size_t n, read_all_filter f) {
          do_read_all(a, n, std::move(f), std::move(handler));
        },
        token, after, max_count, std::move(filter));
  }

  /// A stream's version, event count and times; errc::stream_not_found when it has no events.
  /// Completion: void(error_code, stream_info).
  template <class CompletionToken>
  auto async_stream_info(std::string stream_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, stream_info)>(
        [this](auto handler, std::string s) { do_stream_info(std::move(s), std::move(handler)); }, token,
        std::move(stream_id));
  }

  /// The log position (transaction id and global position) of the committed event at global
  /// position `position`, or nullopt when no committed event has it (never written, not yet
  /// committed, or rolled back). Readers of the log use it to tell whether they have passed an
  /// event whose global position they know (e.g. from an append_result): the log is ordered by
  /// (transaction_id, position), which a global position alone does not place.
  /// Completion: void(error_code, std::optional<log_position>).
  template <class CompletionToken>
  auto async_log_position_of(std::int64_t position, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::optional<log_position>)>(
        [this](auto handler, std::int64_t p) { do_log_position_of(p, std::move(handler)); }, token, position);
  }

  /// The highest global position of a committed event; 0 when the store is empty.
  /// Completion: void(error_code, std::int64_t).
  template <class CompletionToken>
  auto async_head_position(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::int64_t)>(
        [this](auto handler) { do_head_position(std::move(handler)); }, token);
  }

 protected:
  using log_position_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<log_position>)>;
  using head_position_handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::int64_t)>;
  using append_handler = boost::asio::any_completion_handler<void(boost::system::error_code, append_result)>;
  using read_stream_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::vector<recorded_event>)>;
  using read_all_handler = boost::asio::any_completion_handler<void(boost::system::error_code, read_all_result)>;
  using stream_info_handler = boost::asio::any_completion_handler<void(boost::system::error_code, stream_info)>;
  using commit_handler = boost::asio::any_completion_handler<void(boost::system::error_code, unit_of_work_result)>;

  virtual void do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                         append_options options, append_handler handler) = 0;
  virtual void do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count,
                              read_direction direction, read_stream_handler handler) = 0;
  virtual void do_read_all(log_position after, std::size_t max_count, read_all_filter filter,
                           read_all_handler handler) = 0;
  virtual void do_stream_info(std::string stream_id, stream_info_handler handler) = 0;
  virtual void do_commit(unit_of_work unit, commit_handler handler) = 0;
  virtual void do_log_position_of(std::int64_t position, log_position_handler handler) = 0;
  virtual void do_head_position(head_position_handler handler) = 0;
};

/// Checks an append's arguments (shared by every implementation so they fail alike): empty
/// stream id, no events, a missing type, an event id that is not a UUID, an event larger than
/// `max_event_bytes` (data + metadata as JSON). Fills in missing event ids.
boost::system::error_code validate_append(const std::string& stream_id, std::vector<event_data>& events,
                                          std::size_t max_event_bytes);
/// The same, and an idempotency claim in `options` must have a key (errc::empty_name) and a
/// positive time to live (errc::invalid_ttl).
boost::system::error_code validate_append(const std::string& stream_id, std::vector<event_data>& events,
                                          const append_options& options, std::size_t max_event_bytes);

/// Default bound on one event's serialized data + metadata.
inline constexpr std::size_t default_max_event_bytes = 1024 * 1024;

}  // namespace mink::persistence

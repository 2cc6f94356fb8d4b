#pragma once
// Durable saga deadlines: "wake saga X at time T with this payload", kept until claimed.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mink::persistence {

struct saga_deadline {
  std::int64_t deadline_id = 0;  ///< Assigned by the store, from 1, increasing.
  std::string saga_id;
  std::chrono::system_clock::time_point due_at;  ///< Kept in microseconds, as PostgreSQL keeps time.
  boost::json::value payload;                    ///< What the saga needs to act (e.g. {"step": "payment"}).
  std::chrono::system_clock::time_point fired_at;  ///< When it was claimed (set by the store).
};

/// Keeps saga deadlines (PostgreSQL: pg_deadline_store, table mink_saga_deadlines, which can also
/// work inside the caller's transaction; memory: memory_deadline_store, same semantics).
///
/// A deadline fires once: async_claim_due hands each due deadline to exactly one claimer, even
/// with several processes claiming from one database, and marks it fired in the same step. It is
/// stored, so it survives restarts of the process that scheduled it. The claim is the delivery:
/// a claimer that dies before acting on what it claimed loses those deadlines (at most once). To
/// act exactly once, claim and apply the saga's change in one transaction
/// (pg_deadline_store::async_claim_due_in together with pg_saga_store::async_save_in).
/// Fired deadlines stay in the table (with fired_at) as a record; cancelled ones are deleted.
///
/// Every operation completes on the handler's associated executor (default: the store's), never
/// inside the initiating call. Arguments are moved into the operation; the store must outlive its
/// operations. Errors besides those listed: the PostgreSQL store's connection and SQLSTATE errors.
/// Cancellation: terminal cancellation through the handler's slot aborts a PostgreSQL wait (a
/// claim may then have committed: those deadlines are fired). Thread-safe.
class deadline_store {
 public:
  virtual ~deadline_store() = default;

  /// Stores a deadline for `saga_id` due at `due_at` (a past time is due at once).
  /// Completion: void(error_code, std::int64_t deadline_id). Errors: errc::empty_saga_id.
  template <class CompletionToken>
  auto async_schedule(std::string saga_id, std::chrono::system_clock::time_point due_at,
                      boost::json::value payload, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::int64_t)>(
        [this](auto handler, std::string id, std::chrono::system_clock::time_point due, boost::json::value p) {
          do_schedule(std::move(id), due, std::move(p), std::move(handler));
        },
        token, std::move(saga_id), due_at, std::move(payload));
  }

  /// Takes up to `max_count` unfired deadlines due at or before `now`, earliest due first (then by
  /// id), and marks them fired: no other claim, here or in another process, returns them again.
  /// Completion: void(error_code, std::vector<saga_deadline>), in that order; empty when nothing
  /// is due (or max_count is 0).
  template <class CompletionToken>
  auto async_claim_due(std::chrono::system_clock::time_point now, std::size_t max_count, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::vector<saga_deadline>)>(
        [this](auto handler, std::chrono::system_clock::time_point t, std::size_t n) {
          do_claim_due(t, n, std::move(handler));
        },
        token, now, max_count);
  }

  /// Deletes the unfired deadlines of `saga_id` (e.g. when the saga completes before its timeout).
  /// Completion: void(error_code, std::uint64_t cancelled_count). Errors: errc::empty_saga_id.
  template <class CompletionToken>
  auto async_cancel(std::string saga_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        [this](auto handler, std::string id) { do_cancel(std::move(id), std::move(handler)); }, token,
        std::move(saga_id));
  }

  /// When the earliest unfired deadline is due, or nullopt when none is scheduled: how long a
  /// timer may sleep before claiming (a deadline scheduled meanwhile, by this process or another,
  /// can be earlier: wake on schedule too, or cap the sleep).
  /// Completion: void(error_code, std::optional<std::chrono::system_clock::time_point>).
  template <class CompletionToken>
  auto async_next_due(CompletionToken&& token) {
    return boost::asio::async_initiate<
        CompletionToken, void(boost::system::error_code, std::optional<std::chrono::system_clock::time_point>)>(
        [this](auto handler) { do_next_due(std::move(handler)); }, token);
  }

 protected:
  using schedule_handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::int64_t)>;
  using claim_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::vector<saga_deadline>)>;
  using cancel_handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::uint64_t)>;
  using next_due_handler = boost::asio::any_completion_handler<void(
      boost::system::error_code, std::optional<std::chrono::system_clock::time_point>)>;

  virtual void do_schedule(std::string saga_id, std::chrono::system_clock::time_point due_at,
                           boost::json::value payload, schedule_handler handler) = 0;
  virtual void do_claim_due(std::chrono::system_clock::time_point now, std::size_t max_count,
                            claim_handler handler) = 0;
  virtual void do_cancel(std::string saga_id, cancel_handler handler) = 0;
  virtual void do_next_due(next_due_handler handler) = 0;
};

}  // namespace mink::persistence

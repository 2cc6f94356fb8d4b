#pragma once
// Saga state: one versioned record per saga instance, found by id or by correlation id.

#include <mink/persistence/saga_state.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mink::persistence {

/// Keeps saga instances (PostgreSQL: pg_saga_store, which can also write inside the caller's
/// transaction; memory: memory_saga_store, with the same semantics).
///
/// Every operation completes on the handler's associated executor (default: the store's), never
/// inside the initiating call. Arguments are moved into the operation: nothing the caller passes
/// needs to outlive the call; the store itself must outlive its operations. Errors besides those
/// listed: the PostgreSQL store's connection and SQLSTATE errors (see pooled_connection).
/// Cancellation: terminal cancellation through the handler's slot aborts a PostgreSQL wait
/// (a save may then have committed or not: reload to know). Thread-safe.
class saga_store {
 public:
  virtual ~saga_store() = default;

  /// Stores `s` as the next version of its saga. expected_version 0 creates the saga (it must not
  /// exist); any other value replaces it, if its stored version is exactly that. s.version,
  /// created_at and updated_at are ignored: the store sets them (created_at kept from the first
  /// save). All other fields are replaced as given.
  /// Completion: void(error_code, std::uint64_t new_version) (expected_version + 1).
  /// Errors: errc::wrong_expected_version (exists when creating, missing, or another version
  /// stored: nothing was written; reload and retry), errc::empty_saga_id, errc::empty_saga_type,
  /// errc::empty_correlation_id, errc::invalid_version (expected_version >= 2^63 - 1).
  template <class CompletionToken>
  auto async_save(saga_state s, std::uint64_t expected_version, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        [this](auto handler, saga_state st, std::uint64_t expected) {
          do_save(std::move(st), expected, std::move(handler));
        },
        token, std::move(s), expected_version);
  }

  /// The saga `saga_id`, or nullopt. Completion: void(error_code, std::optional<saga_state>).
  /// Errors: errc::empty_saga_id.
  template <class CompletionToken>
  auto async_find(std::string saga_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::optional<saga_state>)>(
        [this](auto handler, std::string id) { do_find(std::move(id), std::move(handler)); }, token,
        std::move(saga_id));
  }

  /// Every saga of any type correlated with `correlation_id`, oldest first (created_at, then saga
  /// id). Completion: void(error_code, std::vector<saga_state>). Errors: errc::empty_correlation_id.
  template <class CompletionToken>
  auto async_find_by_correlation(std::string correlation_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::vector<saga_state>)>(
        [this](auto handler, std::string c) { do_find_by_correlation(std::move(c), std::move(handler)); }, token,
        std::move(correlation_id));
  }

  /// The instance of `saga_type` correlated with `correlation_id` (what a saga manager routes an
  /// event to), or nullopt. Should there be several, the newest (created_at, then saga id).
  /// Completion: void(error_code, std::optional<saga_state>).
  /// Errors: errc::empty_saga_type, errc::empty_correlation_id.
  template <class CompletionToken>
  auto async_find_instance(std::string saga_type, std::string correlation_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::optional<saga_state>)>(
        [this](auto handler, std::string t, std::string c) {
          do_find_instance(std::move(t), std::move(c), std::move(handler));
        },
        token, std::move(saga_type), std::move(correlation_id));
  }

  /// How many sagas of `saga_type` (every type when empty) are in each status.
  /// Completion: void(error_code, saga_status_counts). Errors: errc::invalid_value when the table
  /// holds a status this version does not know.
  template <class CompletionToken>
  auto async_count_by_status(std::string saga_type, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, saga_status_counts)>(
        [this](auto handler, std::string t) { do_count_by_status(std::move(t), std::move(handler)); }, token,
        std::move(saga_type));
  }

 protected:
  using save_handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::uint64_t)>;
  using find_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<saga_state>)>;
  using list_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::vector<saga_state>)>;
  using count_handler = boost::asio::any_completion_handler<void(boost::system::error_code, saga_status_counts)>;

  virtual void do_save(saga_state s, std::uint64_t expected_version, save_handler handler) = 0;
  virtual void do_find(std::string saga_id, find_handler handler) = 0;
  virtual void do_find_by_correlation(std::string correlation_id, list_handler handler) = 0;
  virtual void do_find_instance(std::string saga_type, std::string correlation_id, find_handler handler) = 0;
  virtual void do_count_by_status(std::string saga_type, count_handler handler) = 0;
};

}  // namespace mink::persistence

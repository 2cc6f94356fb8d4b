#pragma once
// The idempotency stage: a command executes once per idempotency key.

#include <mink/messaging/middleware.hpp>
#include <mink/persistence/idempotency.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mink::persistence {

class idempotency_store;

/// Executes a command once per key: the caller's idempotency key, else its command id.
///
/// - The command executes with env.idempotency set: the aggregate records the key in the same
///   transaction as the events, so a crash cannot separate them. If the key already has a live
///   record, that append writes nothing and answers the stored result, marked replayed.
/// - A command that fails is checked against the store afterwards: if the key has a record (the
///   command ran before and now fails against the state it left, or another process won a race
///   on the key) the stored result is the answer.
/// - The same key with another command (type or payload: command_fingerprint) is
///   errc::idempotency_key_reused; nothing is written.
/// - A repeat arriving while the first is still executing in this process waits for it and gets
///   its outcome (marked replayed when it succeeded); with dispatch_options::wait_for_in_flight
///   false it is errc::idempotency_key_in_flight at once instead, and nothing is written.
/// - A command that succeeds without events has its record saved here afterwards.
/// - A command that fails for good leaves no record: a repeat executes again.
/// `store` must outlive the stage. Thread-safe.
class idempotency_middleware final : public middleware {
 public:
  explicit idempotency_middleware(idempotency_store& store, std::chrono::seconds ttl = default_idempotency_ttl);
  ~idempotency_middleware() override;

  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;

  /// Keys executing right now (observability, tests).
  std::size_t in_flight() const;

 private:
  struct execution;
  struct join_result;

  /// What a command with a key does: execute it, wait for the execution in progress, or refuse.
  enum class join_role { lead, follow, reused };

  /// Leads or is refused at once; nullopt when the key is executing with this fingerprint (then
  /// join() queues behind it).
  std::optional<join_role> try_join(const std::string& key, const std::string& fingerprint);
  /// try_join's decision; the caller holds mutex_. Leading registers the key as executing.
  std::optional<join_role> lead_or_refuse_locked(const std::string& key, const std::string& fingerprint);
  boost::asio::awaitable<join_result> join(const std::string& key, const std::string& fingerprint);
  boost::asio::awaitable<dispatch_outcome> execute(command_envelope& env, dispatch_next next, const std::string& key,
                                                   const std::string& fingerprint);
  void finish(const std::string& key, const dispatch_outcome& out);

  idempotency_store& store_;
  std::chrono::seconds ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<execution>> executing_;
};

}  // namespace mink::persistence

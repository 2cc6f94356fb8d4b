#include <mink/messaging/errc.hpp>
#include <mink/persistence/command_record.hpp>
#include <mink/persistence/idempotency_middleware.hpp>
#include <mink/persistence/idempotency_store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <tuple>
#include <vector>

namespace mink::persistence {

namespace asio = boost::asio;

struct idempotency_middleware::join_result {
  join_role what = join_role::lead;
  dispatch_outcome outcome;  ///< For a follower: the first execution's outcome.
};

/// A key being executed in this process, and the repeats waiting for its outcome.
struct idempotency_middleware::execution {
  using waiter = asio::any_completion_handler<void(join_result)>;
  explicit execution(std::string fp) : fingerprint(std::move(fp)) {}
  std::string fingerprint;
  std::vector<std::pair<waiter, asio::any_io_executor>> waiters;
};

idempotency_middleware::idempotency_middleware(idempotency_store& store, std::chrono::seconds ttl)
    : store_(store), ttl_(ttl) {}

idempotency_middleware::~idempotency_middleware() = default;

std::size_t idempotency_middleware::in_flight() const {
  std::lock_guard lock(mutex_);
  return executing_.size();
}

std::optional<idempotency_middleware::join_role> idempotency_middleware::lead_or_refuse_locked(
    const std::string& key, const std::string& fingerprint) {
  auto it = executing_.find(key);
  if (it == executing_.end()) {
    executing_.emplace(key, std::make_unique<execution>(fingerprint));
    return join_role::lead;
  }
  if (it->second->fingerprint != fingerprint) return join_role::reused;
  return std::nullopt;
}

std::optional<idempotency_middleware::join_role> idempotency_middleware::try_join(const std::string& key,
                                                                                   const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  return lead_or_refuse_locked(key, fingerprint);
}

asio::awaitable<idempotency_middleware::join_result> idempotency_middleware::join(const std::string& key,
                                                                                   const std::string& fingerprint) {
  auto ex = co_await asio::this_coro::executor;
  // Looking the key up and queueing behind it happen under one lock, so a repeat cannot miss the
  // end of the execution it found.
  join_result joined = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(join_result)>(
      [this, &key, &fingerprint, ex](auto handler) {
        join_result now;
        {
          std::lock_guard lock(mutex_);
          std::optional<join_role> role = lead_or_refuse_locked(key, fingerprint);
          if (!role) {
            executing_.find(key)->second->waiters.emplace_back(execution::waiter(std::move(handler)), ex);
            return;
          }
          now.what = *role;
        }
        asio::post(ex, [h = std::move(handler), now = std::move(now)]() mutable { std::move(h)(std::move(now)); });
      },
      asio::use_awaitable);
  co_return joined;
}

void idempotency_middleware::finish(const std::string& key, const dispatch_outcome& out) {
  std::unique_ptr<execution> done;
  {
    std::lock_guard lock(mutex_);
    auto it = executing_.find(key);
    if (it == executing_.end()) return;
    done = std::move(it->second);
    executing_.erase(it);
  }
  for (auto& [waiter, ex] : done->waiters) {
    join_result r;
    r.what = join_role::follow;
    r.outcome = out;
    // `ex` is the waiting coroutine's own executor: it resumes there.
    asio::post(ex, [h = std::move(waiter), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
  }
}

namespace {

/// The answer to a repeat of a key that has a live record.
dispatch_outcome answer_from(const idempotency_record& record, const std::string& fingerprint) {
  if (record.fingerprint != fingerprint) return dispatch_failure(errc::idempotency_key_reused);
  dispatch_outcome replay;
  replay.result = dispatch_result_from_record(record);
  return replay;
}

}  // namespace

asio::awaitable<dispatch_outcome> idempotency_middleware::execute(command_envelope& env, dispatch_next next,
                                                                  const std::string& key,
                                                                  const std::string& fingerprint) {
  // No look-up first: the append checks the key in its own transaction and answers a repeat
  // from the record (replayed), so the common case costs no extra round trip. The store is asked
  // only when the command failed or recorded no events.
  idempotency_request request;
  request.key = key;
  request.fingerprint = fingerprint;
  request.ttl = ttl_;
  env.idempotency = request;
  dispatch_outcome out = co_await next(env);
  if (out.ec) {
    // A repeat fails against the state its first execution left ("order already exists"), and
    // so does a process that lost a race on the key: the key's record holds the real answer.
    auto [again_ec, again] = co_await store_.async_find(key, asio::as_tuple(asio::use_awaitable));
    if (!again_ec && again) co_return answer_from(*again, fingerprint);
    co_return out;
  }
  if (out.result.replayed || out.result.event_count > 0) co_return out;

  // No events, so no append recorded the key: record it now.
  idempotency_record record;
  record.key = key;
  record.fingerprint = fingerprint;
  record.status = idempotency_status::completed;
  record.result = to_json(out.result);
  auto [save_ec, existing] = co_await store_.async_save(std::move(record), ttl_, asio::as_tuple(asio::use_awaitable));
  if (save_ec == errc::idempotency_key_reused) co_return dispatch_failure(save_ec);
  if (!save_ec && existing) co_return answer_from(*existing, fingerprint);
  // A failed save loses only the record of a command that changed nothing; the answer stands.
  co_return out;
}

asio::awaitable<dispatch_outcome> idempotency_middleware::handle(command_envelope& env, dispatch_next next) {
  const std::string key = env.options.idempotency_key.empty() ? env.options.command_id : env.options.idempotency_key;
  const std::string fingerprint = command_fingerprint(*env.command);
  if (key.empty()) co_return co_await next(env);

  // Almost always the key is not executing: lead at once, without a trip through the scheduler.
  join_result joined;
  if (auto quick = try_join(key, fingerprint)) joined.what = *quick;
  else if (!env.options.wait_for_in_flight) co_return dispatch_failure(errc::idempotency_key_in_flight);
  else joined = co_await join(key, fingerprint);
  if (joined.what == join_role::reused) co_return dispatch_failure(errc::idempotency_key_reused);
  if (joined.what == join_role::follow) {
    dispatch_outcome out = std::move(joined.outcome);
    if (!out.ec) out.result.replayed = true;
    co_return out;
  }

  dispatch_outcome out;
  std::exception_ptr failure;
  try {
    out = co_await execute(env, next, key, fingerprint);
  } catch (...) {
    failure = std::current_exception();
    out = dispatch_failure(errc::unhandled_exception);
  }
  finish(key, out);
  if (failure) std::rethrow_exception(failure);
  co_return out;
}

}  // namespace mink::persistence

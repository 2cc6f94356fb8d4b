#include <mink/persistence/pg_event_store.hpp>

#include "pg_append_rows.hpp"
#include "pg_event_rows.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include "report_exception.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <map>
#include <utility>
#include <mutex>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// One caller's append, waiting for (or inside) a batch.
struct pending_append {
  pending_append(std::string s, expected_version e, std::string request_json, boost::asio::any_completion_handler<void(error_code, append_result)> h)
      : stream_id(std::move(s)), expected(e), json(std::move(request_json)), handler(std::move(h)) {}
  std::string stream_id;
  expected_version expected;
  std::string json;  // this request's element of the batch array, serialized once
  boost::asio::any_completion_handler<void(error_code, append_result)> handler;
};

}  // namespace

struct pg_event_store::state : std::enable_shared_from_this<state> {
  state(connection_pool& p, pg_event_store_params prm) : pool(p), params(std::move(prm)) {}

  connection_pool& pool;
  pg_event_store_params params;
  std::mutex mtx;
  std::deque<std::unique_ptr<pending_append>> queue;
  std::size_t writers = 0;

  // Completes and forgets one append.
  void complete(std::unique_ptr<pending_append>& a, error_code ec, append_result r) {
    detail::post_completion(pool.get_executor(), std::move(a->handler), ec, std::move(r));
    a.reset();
  }

  // Runs one batch; returns the error that failed it as a whole (nothing completed), if any.
  //
  // Requests for the same stream expecting the same exact version are doomed but for the first:
  // whatever happens to it, the stream will not be at that version for the others. Only the first
  // is sent; the others learn their conflict from its outcome (or, when that outcome says nothing
  // about the version, wait for the next batch). Many writers racing on one hot stream then cost
  // one request per round instead of one per writer.
  asio::awaitable<error_code> run_batch(std::vector<std::unique_ptr<pending_append>>& batch) {
    std::vector<std::size_t> sent;
    std::vector<std::size_t> leader(batch.size(), batch.size());  // batch.size(): none
    std::map<std::pair<std::string_view, std::uint64_t>, std::size_t> first_exact;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto kind = batch[i]->expected.what();
      if (kind == expected_version::kind::exact || kind == expected_version::kind::no_stream) {
        auto [it, inserted] = first_exact.try_emplace({batch[i]->stream_id, batch[i]->expected.value()}, i);
        if (!inserted) {
          leader[i] = it->second;
          continue;
        }
      }
      sent.push_back(i);
    }
    std::string json = "[";
    for (std::size_t k = 0; k < sent.size(); ++k) {
      if (k > 0) json += ',';
      json += batch[sent[k]]->json;
    }
    json += ']';
    auto [ec, r] = co_await pool.async_execute(detail::append_batch_statement(), query_params(json), tuple_awaitable);
    if (ec) co_return ec;
    if (r.rows() != sent.size()) co_return client_errc::bad_response;

    struct outcome {
      int status = -1;
      std::uint64_t version = 0;
      std::uint64_t actual = 0;
    };
    std::vector<outcome> outcomes(batch.size());
    std::int64_t last_position = 0;
    for (std::size_t row = 0; row < r.rows(); ++row) {
      const auto k = static_cast<std::size_t>(detail::append_row_index(r, row));
      if (k >= sent.size() || !batch[sent[k]]) co_return client_errc::bad_response;
      auto& a = batch[sent[k]];
      auto& o = outcomes[sent[k]];
      append_result out;
      const auto result_ec = detail::decode_append_row(r, row, a->stream_id, a->expected, o.status, out);
      o.version = out.version;
      o.actual = out.actual_version.value_or(0);
      if (!out.replayed && !out.positions.empty()) last_position = std::max(last_position, out.positions.back());
      complete(a, result_ec, std::move(out));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (leader[i] == batch.size()) continue;
      const auto& lead = outcomes[leader[i]];
      if (lead.status == 0 || lead.status == 2) {
        append_result out;
        out.stream_id = batch[i]->stream_id;
        out.expected = batch[i]->expected;
        out.actual_version = lead.status == 0 ? lead.version : lead.actual;
        complete(batch[i], errc::wrong_expected_version, std::move(out));
      } else {
        std::lock_guard lock(mtx);
        queue.push_front(std::move(batch[i]));
      }
    }
    if (last_position > 0) notify(last_position);
    co_return error_code{};
  }

  // NOTIFY after the commit, in a transaction of its own, so that the notification queue's lock is
  // never held across a commit flush; and at most one in flight: batches that commit meanwhile are
  // covered by the next one (the payload is only a hint, the highest position).
  std::int64_t notify_pending = 0;
  bool notify_in_flight = false;

  void notify(std::int64_t position) {
    if (params.notify_channel.empty()) return;
    {
      std::lock_guard lock(mtx);
      notify_pending = std::max(notify_pending, position);
      if (notify_in_flight) return;
      notify_in_flight = true;
    }
    asio::co_spawn(pool.get_executor(), [self = shared_from_this()]() { return self->send_notifications(); },
                   detail::report_exception("event store notify"));
  }

  asio::awaitable<void> send_notifications() {
    for (;;) {
      std::int64_t position;
      {
        std::lock_guard lock(mtx);
        position = std::exchange(notify_pending, 0);
        if (position == 0) {
          notify_in_flight = false;
          co_return;
        }
      }
      // A failed wake-up is harmless: listeners also poll and catch up from their checkpoints.
      co_await pool.async_query("SELECT pg_notify($1, $2)", query_params(params.notify_channel, std::to_string(position)),
                                tuple_awaitable);
    }
  }

  asio::awaitable<void> writer() {
    for (;;) {
      std::vector<std::unique_ptr<pending_append>> batch;
      {
        std::lock_guard lock(mtx);
        if (queue.empty()) {
          --writers;
          co_return;
        }
        // A fair share of the queue, so that appends arriving together spread over the writers
        // instead of forming one long transaction on one connection while the others idle.
        const std::size_t share = (queue.size() + params.writers - 1) / params.writers;
        const std::size_t n = std::min(share, params.max_batch);
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      auto ec = co_await run_batch(batch);
      if (!ec) continue;
      if (batch.size() > 1 && ec.category() == sqlstate_category() && ec != condition::connection_error) {
        // The batch failed as a whole (deadlock, a race on an event id or an idempotency key):
        // one by one, so that only the append at fault gets the error.
        for (auto& a : batch) {
          std::vector<std::unique_ptr<pending_append>> single;
          single.push_back(std::move(a));
          if (auto single_ec = co_await run_single(single); single_ec && single[0]) {
            complete(single[0], single_ec, detail::stream_failure(single[0]->stream_id));
          }
        }
      } else if (batch.size() == 1 && ec == condition::retryable) {
        if (auto single_ec = co_await run_single(batch); single_ec && batch[0]) {
          complete(batch[0], single_ec, detail::stream_failure(batch[0]->stream_id));
        }
      } else {
        for (auto& a : batch) {
          if (a) complete(a, ec, detail::stream_failure(a->stream_id));
        }
      }
    }
  }

  // One append on its own, retried when it lost a race that a second attempt settles: a
  // concurrent writer recorded the same idempotency key (the retry then answers from the record)
  // or a deadlock. Bounded: the race cannot repeat once the other transaction has ended.
  asio::awaitable<error_code> run_single(std::vector<std::unique_ptr<pending_append>>& single) {
    error_code ec;
    for (int attempt = 0; attempt < 3; ++attempt) {
      ec = co_await run_batch(single);
      if (ec != condition::retryable) break;
    }
    co_return ec;
  }
};

pg_event_store::pg_event_store(connection_pool& pool, pg_event_store_params params)
    : pool_(pool), state_(std::make_shared<state>(pool, std::move(params))) {
  state_->params.max_batch = std::max<std::size_t>(state_->params.max_batch, 1);
  state_->params.writers = std::max<std::size_t>(state_->params.writers, 1);
}

pg_event_store::~pg_event_store() = default;

std::size_t pg_event_store::params_max_event_bytes() const noexcept { return state_->params.max_event_bytes; }
std::string pg_event_store::params_notify_channel() const { return state_->params.notify_channel; }

void pg_event_store::do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                               append_options options, append_handler handler) {
  if (auto ec = validate_append(stream_id, events, options, state_->params.max_event_bytes)) {
    detail::post_completion(state_->pool.get_executor(), std::move(handler), ec, detail::stream_failure(stream_id));
    return;
  }
  auto json = detail::append_request_json(stream_id, expected, events, options);
  bool start_writer = false;
  {
    std::lock_guard lock(state_->mtx);
    state_->queue.push_back(std::make_unique<pending_append>(std::move(stream_id), expected, std::move(json), std::move(handler)));
    if (state_->writers < state_->params.writers) {
      ++state_->writers;
      start_writer = true;
    }
  }
  if (start_writer) {
    asio::co_spawn(state_->pool.get_executor(), [s = state_]() { return s->writer(); }, detail::report_exception("event store writer"));
  }
}

}  // namespace mink::persistence

#include <mink/persistence/pg_event_store.hpp>

#include "pg_event_rows.hpp"
#include "post_completion.hpp"
#include "report_exception.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <deque>
#include <map>
#include <utility>
#include <mutex>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

int kind_code(expected_version e) {
  switch (e.what()) {
    case expected_version::kind::any: return 0;
    case expected_version::kind::no_stream: return 1;
    case expected_version::kind::stream_exists: return 2;
    case expected_version::kind::exact: return 3;
  }
  return 0;
}

// One caller's append, waiting for (or inside) a batch.
struct pending_append {
  pending_append(std::string s, expected_version e, std::string request_json, boost::asio::any_completion_handler<void(error_code, append_result)> h)
      : stream_id(std::move(s)), expected(e), json(std::move(request_json)), handler(std::move(h)) {}
  std::string stream_id;
  expected_version expected;
  std::string json;  // this request's element of the batch array, serialized once
  boost::asio::any_completion_handler<void(error_code, append_result)> handler;
};

std::string request_json(const std::string& stream_id, expected_version expected, std::vector<event_data>& events,
                         append_options& options) {
  boost::json::object q;
  q["s"] = stream_id;
  q["c"] = stream_category(stream_id);
  q["k"] = kind_code(expected);
  q["v"] = expected.value();
  boost::json::array evs;
  evs.reserve(events.size());
  for (auto& e : events) {
    boost::json::object o;
    o["id"] = e.event_id;
    o["t"] = e.type;
    o["d"] = std::move(e.data);
    o["m"] = to_json(e.metadata);
    evs.push_back(std::move(o));
  }
  q["e"] = std::move(evs);
  if (auto& claim = options.idempotency) {
    boost::json::object i;
    i["k"] = claim->key;
    i["f"] = claim->fingerprint;
    i["x"] = claim->ttl.count();
    i["r"] = std::move(claim->response);
    q["i"] = std::move(i);
  }
  return boost::json::serialize(q);
}

const statement append_batch("SELECT o_idx, o_status, o_version, o_positions::text, o_actual, o_txid::text, "
                             "o_result::text FROM mink_append_batch($1::jsonb)");

append_result stream_failure(const std::string& stream_id) {
  append_result r;
  r.stream_id = stream_id;
  return r;
}

// An append answered from its key's idempotency record: the original append's figures when an
// append wrote the record, and the response stored with it.
void replay_from_record(std::string_view record_json, append_result& out) {
  error_code ec;
  auto stored = boost::json::parse(record_json, ec);
  out.replayed = out.replayed_by_key = true;
  if (ec) return;
  const auto* obj = stored.if_object();
  if (obj == nullptr || !obj->contains("stream_id") || !obj->contains("response")) {
    out.response = std::move(stored);
    return;
  }
  if (const auto* v = obj->if_contains("version"); v && v->is_int64()) out.version = static_cast<std::uint64_t>(v->as_int64());
  if (const auto* p = obj->if_contains("positions"); p && p->is_array()) {
    for (const auto& x : p->as_array()) {
      if (x.is_int64()) out.positions.push_back(x.as_int64());
    }
  }
  if (const auto* t = obj->if_contains("transaction_id"); t && t->is_string()) {
    detail::parse_u64(std::string_view(t->as_string()), out.transaction_id);
  }
  out.response = obj->at("response");
}

// "{1,2,3}" -> positions
bool parse_positions(std::string_view text, std::vector<std::int64_t>& out) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  text = text.substr(1, text.size() - 2);
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc{} || end != item.data() + item.size()) return false;
    out.push_back(v);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

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
    auto [ec, r] = co_await pool.async_execute(append_batch, query_params(json), tuple_awaitable);
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
      const auto k = static_cast<std::size_t>(detail::value_or<std::int32_t>(r.get<std::int32_t>(row, 0), -1));
      if (k >= sent.size() || !batch[sent[k]]) co_return client_errc::bad_response;
      auto& a = batch[sent[k]];
      auto& o = outcomes[sent[k]];
      o.status = detail::value_or<std::int32_t>(r.get<std::int32_t>(row, 1), -1);
      append_result out;
      out.stream_id = a->stream_id;
      error_code result_ec;
      if (o.status == 0 || o.status == 1) {
        out.version = o.version = static_cast<std::uint64_t>(detail::value_or<std::int64_t>(r.get<std::int64_t>(row, 2), 0));
        parse_positions(r.text(row, 3), out.positions);
        detail::parse_u64(r.text(row, 5), out.transaction_id);
        out.replayed = o.status == 1;
        if (!out.positions.empty()) last_position = std::max(last_position, out.positions.back());
      } else if (o.status == 2) {
        result_ec = errc::wrong_expected_version;
        out.expected = a->expected;
        out.actual_version = o.actual =
            static_cast<std::uint64_t>(detail::value_or<std::int64_t>(r.get<std::int64_t>(row, 4), 0));
      } else if (o.status == 3) {
        result_ec = errc::stream_not_found;
      } else if (o.status == 4) {
        result_ec = errc::duplicate_event_id;
      } else if (o.status == 5) {
        replay_from_record(r.text(row, 6), out);
      } else if (o.status == 6) {
        result_ec = errc::idempotency_key_reused;
      } else {
        result_ec = client_errc::bad_response;
      }
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
            complete(single[0], single_ec, stream_failure(single[0]->stream_id));
          }
        }
      } else if (batch.size() == 1 && ec == condition::retryable) {
        if (auto single_ec = co_await run_single(batch); single_ec && batch[0]) {
          complete(batch[0], single_ec, stream_failure(batch[0]->stream_id));
        }
      } else {
        for (auto& a : batch) {
          if (a) complete(a, ec, stream_failure(a->stream_id));
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

void pg_event_store::do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                               append_options options, append_handler handler) {
  if (auto ec = validate_append(stream_id, events, options, state_->params.max_event_bytes)) {
    detail::post_completion(state_->pool.get_executor(), std::move(handler), ec, stream_failure(stream_id));
    return;
  }
  auto json = request_json(stream_id, expected, events, options);
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

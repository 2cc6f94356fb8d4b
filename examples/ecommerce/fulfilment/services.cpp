#include <ecommerce/fulfilment/services.hpp>

#include <ecommerce/domain/order.hpp>

#include <mink/actors/saga.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/messaging/fail_point.hpp>
#include <mink/persistence/aggregate_repository.hpp>
#include <mink/persistence/checkpoint_store.hpp>
#include <mink/persistence/event_store.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <exception>
#include <iostream>
#include <optional>
#include <tuple>

namespace ecommerce {

namespace asio = boost::asio;
using boost::system::error_code;

std::string payment_stream(std::string_view order_id) { return "Payment-" + std::string(order_id); }
std::string inventory_stream(std::string_view order_id) { return "Inventory-" + std::string(order_id); }

namespace {

/// Appends one event, idempotently by its id (a second append with the id is a replay).
asio::awaitable<error_code> record(mink::persistence::event_store& events, std::string stream, std::string_view type,
                                   boost::json::object data, std::string event_id, std::string order_id) {
  mink::event_data e;
  e.event_id = std::move(event_id);
  e.type = std::string(type);
  e.data = std::move(data);
  e.metadata.correlation_id = std::move(order_id);
  std::vector<mink::event_data> batch;
  batch.push_back(std::move(e));
  const auto any = mink::expected_version::any();
  auto [ec, result] =
      co_await events.async_append(std::move(stream), any, std::move(batch), asio::as_tuple(asio::use_awaitable));
  (void)result;
  co_return ec;
}

boost::json::object payment_data(const std::string& order_id, money amount) {
  boost::json::object o;
  o["order_id"] = order_id;
  o["amount_cents"] = amount.cents;
  return o;
}

}  // namespace

std::string payment_requested_event_id(std::string_view request_id) {
  return mink::actors::derived_uuid(std::string(request_id) + "/requested");
}

std::string payment_answer_event_id(std::string_view request_id) {
  return mink::actors::derived_uuid(std::string(request_id) + "/answer");
}

namespace {

/// A request read from the log that the gateway has still to answer.
struct open_request {
  std::string order_id;
  money amount;
  std::string request_id;
  mink::log_position position;  ///< Of its PaymentRequested.
  std::chrono::steady_clock::time_point due;
};

/// The request a PaymentRequested event records; nullopt when it is not a well-formed one.
std::optional<open_request> parse_request(const mink::recorded_event& e) {
  if (!e.data.is_object()) return std::nullopt;
  const auto& o = e.data.as_object();
  const auto* order_id = o.if_contains("order_id");
  const auto* cents = o.if_contains("amount_cents");
  const auto* request_id = o.if_contains("request_id");
  if (!order_id || !order_id->is_string() || !request_id || !request_id->is_string() || !cents) return std::nullopt;
  open_request r;
  if (cents->is_int64()) {
    r.amount = money::from_cents(cents->as_int64());
  } else if (cents->is_uint64()) {
    r.amount = money::from_cents(static_cast<std::int64_t>(cents->as_uint64()));
  } else {
    return std::nullopt;
  }
  r.order_id = std::string(order_id->as_string());
  r.request_id = std::string(request_id->as_string());
  r.position = e.log();
  return r;
}

/// Worth trying again later (the database is down, the pool busy ...).
bool transient(const error_code& ec) {
  return mink::persistence::is_transient(ec) || ec == mink::errc::timeout || ec == mink::errc::shutting_down ||
         ec == mink::errc::internal_error;
}

}  // namespace

struct payment_service::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor e, mink::persistence::event_store& ev, mink::persistence::checkpoint_store& cps,
       payment_params p)
      : ex(std::move(e)), strand(asio::make_strand(ex)), events(ev), checkpoints(cps), params(p), timer(strand) {
    if (params.batch_size == 0) params.batch_size = 1;
  }

  asio::awaitable<void> sleep(std::chrono::steady_clock::duration d) {
    if (stopped) co_return;
    timer.expires_after(d);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled by wake() or cancel(): either way, look again
  }

  /// Whether the answer to `r` is already in its payment stream.
  asio::awaitable<std::tuple<error_code, bool>> answered(const open_request& r) {
    auto [ec, stored] = co_await mink::persistence::read_stream_from(events, payment_stream(r.order_id), 1, 0);
    if (ec) co_return std::tuple<error_code, bool>(ec, false);
    const std::string answer_id = payment_answer_event_id(r.request_id);
    const bool found = std::any_of(stored.begin(), stored.end(), [&](const auto& e) { return e.event_id == answer_id; });
    co_return std::tuple<error_code, bool>(error_code(), found);
  }

  asio::awaitable<error_code> answer(const open_request& r) {
    const bool declined = r.amount > params.limit;
    auto data = payment_data(r.order_id, r.amount);
    if (declined) data["reason"] = "amount above limit";
    const std::string_view type = declined ? payment_declined : payment_processed;
    auto ec = co_await record(events, payment_stream(r.order_id), type, std::move(data),
                              payment_answer_event_id(r.request_id), r.order_id);
    co_return ec;
  }

  asio::awaitable<void> run();

  asio::any_io_executor ex;
  asio::strand<asio::any_io_executor> strand;
  mink::persistence::event_store& events;
  mink::persistence::checkpoint_store& checkpoints;
  payment_params params;
  asio::steady_timer timer;        // the loop's sleep; on the strand
  std::deque<open_request> open;   // on the strand; in log order, which is also due order
  bool stopped = false;            // on the strand
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> running{false};
  std::atomic<std::size_t> pending{0};
};

asio::awaitable<void> payment_service::core::run() {
  const std::string name(payment_gateway_checkpoint);
  mink::log_position position;  // where reading goes on
  while (!stopped) {
    std::string key = name;
    auto [ec, cp] = co_await checkpoints.async_load(std::move(key), asio::as_tuple(asio::use_awaitable));
    if (!ec) {
      if (cp) position = cp->position;
      break;
    }
    co_await sleep(params.retry_delay);
  }
  mink::log_position safe = position;   // every request up to here has its answer recorded
  mink::log_position saved = position;  // what the checkpoint store has
  while (!stopped) {
    wake_pending.store(false);
    bool trouble = false;
    bool full = false;

    // New requests, in log order. Each is checked against its stream: after a crash, requests
    // since the checkpoint may have been answered already.
    mink::persistence::read_all_filter filter;
    filter.event_types.emplace_back(payment_requested);
    auto [read_ec, batch] = co_await events.async_read_all(position, params.batch_size, std::move(filter),
                                                           asio::as_tuple(asio::use_awaitable));
    if (read_ec) {
      trouble = true;
    } else {
      std::size_t i = 0;
      for (; i < batch.events.size() && !stopped; ++i) {
        if (auto r = parse_request(batch.events[i])) {
          auto [check_ec, done] = co_await answered(*r);
          if (check_ec) {
            trouble = true;
            break;
          }
          if (!done) {
            r->due = std::chrono::steady_clock::now() + params.latency;
            open.push_back(std::move(*r));
          }
        }
        position = batch.events[i].log();
      }
      if (i == batch.events.size()) {
        position = std::max(position, batch.next);  // what the filter passed over is done too
        full = batch.events.size() >= params.batch_size;
      }
      pending.store(open.size());
    }
    if (open.empty()) safe = position;

    // Answers that are due, oldest first.
    while (!stopped && !open.empty() && open.front().due <= std::chrono::steady_clock::now()) {
      auto ec = co_await answer(open.front());
      if (ec && transient(ec)) {
        trouble = true;
        break;
      }
      if (ec)
        std::cerr << "payment service: answer for order " << open.front().order_id
                  << " not recorded: " << ec.message() << '\n';
      safe = open.front().position;
      open.pop_front();
      pending.store(open.size());
      if (open.empty()) safe = position;
    }

    // The checkpoint never passes a request whose answer is not recorded. A failed save only
    // means more to read (and skip) after a restart.
    if (safe != saved) {
      mink::persistence::checkpoint cp;
      cp.projection = name;
      cp.position = safe;
      auto [save_ec] = co_await checkpoints.async_save(std::move(cp), asio::as_tuple(asio::use_awaitable));
      if (!save_ec) saved = safe;
    }

    if (stopped) break;
    if (trouble) {
      co_await sleep(params.retry_delay);
      continue;
    }
    if (full || wake_pending.load()) continue;
    std::chrono::steady_clock::duration wait = params.poll_interval;
    if (!open.empty()) {
      const auto until_due = open.front().due - std::chrono::steady_clock::now();
      wait = std::clamp<std::chrono::steady_clock::duration>(until_due, std::chrono::steady_clock::duration::zero(),
                                                             wait);
    }
    co_await sleep(wait);
  }
  // Requests not answered stay in the log, before the checkpoint: the next run answers them.
  open.clear();
  pending.store(0);
}

payment_service::payment_service(asio::any_io_executor ex, mink::persistence::event_store& events,
                                 mink::persistence::checkpoint_store& checkpoints, payment_params params)
    : core_(std::make_shared<core>(std::move(ex), events, checkpoints, params)) {}

payment_service::~payment_service() { cancel(); }

asio::awaitable<error_code> payment_service::request(std::string order_id, money amount, std::string request_id) {
  auto data = payment_data(order_id, amount);
  data["request_id"] = request_id;
  auto ec = co_await record(core_->events, payment_stream(order_id), payment_requested, std::move(data),
                            payment_requested_event_id(request_id), order_id);
  if (ec) co_return ec;
  // Crash tests: the gateway has the request, the saga's state is not saved yet.
  mink::fail_point("payment.after_request");
  wake();
  co_return ec;
}

asio::awaitable<error_code> payment_service::refund(std::string order_id, money amount, std::string event_id) {
  auto data = payment_data(order_id, amount);
  co_return co_await record(core_->events, payment_stream(order_id), payment_refunded, std::move(data),
                            std::move(event_id), order_id);
}

void payment_service::run(asio::any_completion_handler<void(error_code)> handler) {
  auto c = core_;
  auto handler_ex = asio::get_associated_executor(handler, c->ex);
  if (c->running.exchange(true)) {
    asio::post(c->ex, [h = std::move(handler)]() mutable { std::move(h)(error_code(mink::errc::operation_in_progress)); });
    return;
  }
  asio::co_spawn(c->strand, [c]() { return c->run(); },
                 asio::bind_executor(handler_ex, [h = std::move(handler), c](std::exception_ptr ep) mutable {
                   if (ep) std::cerr << "payment service: unexpected exception\n";
                   std::move(h)(ep ? error_code(mink::errc::internal_error) : error_code());
                 }));
}

void payment_service::cancel() {
  asio::post(core_->strand, [c = core_] {
    c->stopped = true;
    c->timer.cancel();
  });
}

void payment_service::wake() {
  if (!core_->wake_pending.exchange(true)) asio::post(core_->strand, [c = core_] { c->timer.cancel(); });
}

std::size_t payment_service::pending() const { return core_->pending.load(); }

asio::awaitable<error_code> inventory_service::reserve(std::string order_id, std::vector<std::string> skus,
                                                       std::string event_id) {
  boost::json::array missing;
  for (const auto& sku : skus)
    if (sku.starts_with("OOS-")) missing.emplace_back(sku);
  boost::json::object data;
  data["order_id"] = order_id;
  const bool failed = !missing.empty();
  if (failed) {
    data["skus"] = std::move(missing);
  } else {
    boost::json::array all;
    for (const auto& sku : skus) all.emplace_back(sku);
    data["skus"] = std::move(all);
  }
  const std::string_view type = failed ? inventory_reservation_failed : inventory_reserved;
  co_return co_await record(events_, inventory_stream(order_id), type, std::move(data), std::move(event_id), order_id);
}

asio::awaitable<error_code> inventory_service::release(std::string order_id, std::string event_id) {
  boost::json::object data;
  data["order_id"] = order_id;
  co_return co_await record(events_, inventory_stream(order_id), inventory_released, std::move(data),
                            std::move(event_id), order_id);
}

std::string tracking_number_from_carrier(std::string_view order_id) { return tracking_number_for(order_id); }

}  // namespace ecommerce

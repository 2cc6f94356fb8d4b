#include <ecommerce/app/order_system.hpp>

#include <ecommerce/read_model/order_summary_projection.hpp>

#include <mink/messaging/errc.hpp>
#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/detail/spawn_op.hpp>
#include <mink/persistence/notification_listener.hpp>
#include <mink/persistence/pg_checkpoint_store.hpp>
#include <mink/persistence/pg_deadline_store.hpp>
#include <mink/persistence/pg_event_store.hpp>
#include <mink/persistence/pg_idempotency_store.hpp>
#include <mink/persistence/pg_saga_store.hpp>
#include <mink/persistence/pg_snapshot_store.hpp>
#include <mink/persistence/schema.hpp>
#include <mink/persistence/wakeup_forwarder.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ecommerce {

namespace asio = boost::asio;
using boost::system::error_code;
namespace mp = mink::persistence;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace

/// Every store on the one pool.
struct order_system::stores {
  explicit stores(mp::connection_pool& pool)
      : events(pool), snapshots(pool), idempotency(pool), checkpoints(pool), sagas(pool), deadlines(pool) {}
  mp::pg_event_store events;
  mp::pg_snapshot_store snapshots;
  mp::pg_idempotency_store idempotency;
  mp::pg_checkpoint_store checkpoints;
  mp::pg_saga_store sagas;
  mp::pg_deadline_store deadlines;
};

/// What async_run waits on: the parts still running, and a timer that stands for "something
/// happened" (cancel() or a part ending), all on one strand.
struct order_system::run_state {
  explicit run_state(asio::any_io_executor ex) : strand(asio::make_strand(ex)), signal(strand) {
    signal.expires_at(asio::steady_timer::time_point::max());
  }
  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer signal;
  bool stop_requested = false;
  int running = 0;
  error_code first_error;

  void part_ended(error_code ec) {
    --running;
    if (ec && !first_error) first_error = ec;
    signal.cancel();
  }
};

order_system::order_system(asio::any_io_executor ex, mp::connection_pool& pool, order_system_params params)
    : ex_(ex),
      pool_(pool),
      params_(std::move(params)),
      stores_(std::make_unique<stores>(pool)),
      orders_(std::make_unique<order_service>(ex, stores_->events, &stores_->snapshots, stores_->idempotency,
                                              params_.orders)),
      summary_cache_(params_.summary_cache_size),
      summary_projection_(make_order_summary_projection(pool, order_summary_table, order_summary_projection_name,
                                                        &summary_cache_)),
      summaries_(pool),
      projections_(ex, stores_->events, params_.projections),
      run_(std::make_shared<run_state>(ex)) {
  // Registration fails only on a programming error (the same projection twice).
  if (auto ec = projections_.add(*summary_projection_)) {
    throw std::logic_error("adding the order-summary projection: " + ec.message());
  }
  if (params_.fulfilment == fulfilment_mode::automatic) {
    // On PostgreSQL a deadline's claim and the saga's change commit together (fires once).
    params_.fulfilment_settings.manager.pool = &pool;
    fulfilment_ = std::make_unique<fulfilment_service>(ex, stores_->events, stores_->sagas, stores_->deadlines,
                                                       stores_->checkpoints, *orders_, params_.fulfilment_settings);
  }
}

order_system::~order_system() = default;

mp::event_store& order_system::events() noexcept { return stores_->events; }
mp::saga_store& order_system::sagas() noexcept { return stores_->sagas; }

void order_system::start(asio::any_completion_handler<void(error_code)> handler) {
  auto op = [this]() -> asio::awaitable<std::tuple<error_code>> {
    auto [migrate_ec, version] = co_await mp::async_migrate(pool_, tuple_awaitable);
    if (migrate_ec) co_return std::tuple{migrate_ec};
    auto [prepare_ec] = co_await summary_projection_->async_prepare(tuple_awaitable);
    co_return std::tuple{prepare_ec};
  };
  mp::detail::spawn_op(ex_, std::move(op), std::move(handler));
}

void order_system::cancel() {
  asio::post(run_->strand, [run = run_] {
    run->stop_requested = true;
    run->signal.cancel();
  });
}

void order_system::run(asio::any_completion_handler<void(error_code)> handler) {
  auto op = [this]() -> asio::awaitable<std::tuple<error_code>> {
    auto run = run_;
    mp::listener_params lp;
    lp.connection_string = pool_.params().connection_string;
    lp.channels = {mp::pg_event_store_params{}.notify_channel};
    mp::notification_listener listener(ex_, lp);

    // Each part reports its end on the run's strand.
    auto ended = [run](error_code ec) { asio::post(run->strand, [run, ec] { run->part_ended(ec); }); };
    std::vector<std::function<void()>> wakes{[this] { projections_.wake(); }};
    if (fulfilment_) wakes.emplace_back([this] { fulfilment_->wake(); });

    run->running = fulfilment_ ? 4 : 3;
    listener.async_run(ended);
    mp::async_forward_wakeups(listener, std::move(wakes), ended);
    projections_.async_run(ended);
    if (fulfilment_) fulfilment_->async_run(ended);

    // Until cancel() or a part stopping on its own (an error: stop the rest too).
    const int all = run->running;
    while (!run->stop_requested && run->running == all) {
      co_await run->signal.async_wait(tuple_awaitable);
      run->signal.expires_at(asio::steady_timer::time_point::max());
    }
    // The saga first (it sends commands), then the readers, then the order actors.
    if (fulfilment_) fulfilment_->cancel();
    projections_.cancel();
    listener.cancel();
    while (run->running > 0) {
      co_await run->signal.async_wait(tuple_awaitable);
      run->signal.expires_at(asio::steady_timer::time_point::max());
    }
    auto [shutdown_ec] = co_await orders_->async_shutdown(tuple_awaitable);
    error_code result = run->first_error ? run->first_error : shutdown_ec;
    co_return std::tuple{result};
  };
  // On the run's strand, like every completion that touches run_state.
  mp::detail::spawn_op(run_->strand, std::move(op), std::move(handler));
}

void order_system::find_summary(std::string order_id, std::optional<std::int64_t> min_position,
                                asio::any_completion_handler<void(error_code, std::optional<order_summary>)> h) {
  auto op = [this, id = std::move(order_id),
             min_position]() -> asio::awaitable<std::tuple<error_code, std::optional<order_summary>>> {
    if (min_position) {
      auto [wait_ec] = co_await async_wait_for_read_model(*min_position, tuple_awaitable);
      if (wait_ec) co_return std::tuple{wait_ec, std::optional<order_summary>{}};
    }
    if (auto cached = summary_cache_.find(id)) co_return std::tuple{error_code{}, std::move(cached)};
    const auto generation = summary_cache_.generation();
    auto [ec, found] = co_await summaries_.async_find(id, tuple_awaitable);
    if (!ec && found) summary_cache_.offer(*found, generation);
    co_return std::tuple{ec, std::move(found)};
  };
  mp::detail::spawn_op(ex_, std::move(op), std::move(h));
}

}  // namespace ecommerce

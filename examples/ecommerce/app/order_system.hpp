#pragma once
// The whole e-commerce system on one PostgreSQL database: the order side (command bus and order
// actors), the order-summary read model and its projection, and, in automatic fulfilment mode,
// the fulfilment saga. mink-ecommerce, minkd, the crash tests and the benchmarks all run this.

#include <ecommerce/app/order_service.hpp>
#include <ecommerce/fulfilment/fulfilment_service.hpp>
#include <ecommerce/read_model/order_summary_cache.hpp>
#include <ecommerce/read_model/order_summary_queries.hpp>

#include <mink/actors/projection_runner.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mink::persistence {
class connection_pool;
class event_store;
class saga_store;
}  // namespace mink::persistence

namespace ecommerce {

/// automatic: the fulfilment saga pays, reserves and ships every submitted order. manual: no
/// saga runs; clients ship (and cancel) orders themselves.
enum class fulfilment_mode { automatic, manual };

struct order_system_params {
  fulfilment_mode fulfilment = fulfilment_mode::automatic;
  order_service_params orders;
  fulfilment_params fulfilment_settings;
  mink::actors::projection_runner_params projections;
  /// The longest a read asked for with a minimum position waits for the projection.
  std::chrono::milliseconds read_your_writes_timeout{5000};
  /// Order summaries kept in memory for async_find_summary (0: none); coherent with the table
  /// because this system's projection invalidates them (order_summary_cache.hpp).
  std::size_t summary_cache_size = 100'000;
};

/// Lifetime: the pool must outlive the system; start it (async_start), run it (async_run), and
/// after cancel() let async_run complete before destroying it. Thread safety: the bus, the
/// queries and every async operation may be used from any thread.
class order_system {
 public:
  order_system(boost::asio::any_io_executor ex, mink::persistence::connection_pool& pool,
               order_system_params params = {});
  ~order_system();
  order_system(const order_system&) = delete;
  order_system& operator=(const order_system&) = delete;

  /// Migrates the mink schema and creates the read model's table. Call once, before async_run.
  /// Completion: void(error_code): the database's errors, mink::errc::schema_too_new.
  template <class CompletionToken>
  auto async_start(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { start(std::move(handler)); }, token);
  }

  /// Runs the notification listener, the projections and (automatic mode) the fulfilment saga
  /// until cancel(); then shuts the order actors down (commands queued are finished) and
  /// completes. Completion: void(error_code): success after cancel(), else the first error of a
  /// part that stopped on its own.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { run(std::move(handler)); }, token);
  }

  /// Stops async_run. Thread-safe, idempotent.
  void cancel();

  /// The order summary of `order_id`, from the summary cache or the table. With `min_position`,
  /// first waits (at most read_your_writes_timeout) until the projection has applied the event at
  /// that global position, so a client reads its own writes. Completion:
  /// void(error_code, std::optional<order_summary>). Errors: mink::errc::timeout when the
  /// projection has not got there in time (a position beyond the head of the log included);
  /// mink::errc::position_not_found when no event has that position though it is at or below
  /// the head; the queries' errors.
  template <class CompletionToken>
  auto async_find_summary(std::string order_id, std::optional<std::int64_t> min_position, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::optional<order_summary>)>(
        [this](auto handler, std::string id, std::optional<std::int64_t> p) {
          find_summary(std::move(id), p, std::move(handler));
        },
        token, std::move(order_id), min_position);
  }

  /// Waits until the order-summary projection has applied the event at `global_position`
  /// (bounded by read_your_writes_timeout). Completion: void(error_code), errors as above.
  template <class CompletionToken>
  auto async_wait_for_read_model(std::int64_t global_position, CompletionToken&& token) {
    return projections_.async_wait_for(order_summary_projection_name, global_position,
                                       params_.read_your_writes_timeout, std::forward<CompletionToken>(token));
  }

  mink::command_bus& bus() noexcept { return orders_->bus(); }
  order_service& orders() noexcept { return *orders_; }
  order_summary_queries& summaries() noexcept { return summaries_; }
  mink::actors::projection_runner& projections() noexcept { return projections_; }
  mink::persistence::event_store& events() noexcept;
  mink::persistence::saga_store& sagas() noexcept;
  /// The saga manager; null in manual fulfilment mode.
  fulfilment_service* fulfilment() noexcept { return fulfilment_.get(); }
  fulfilment_mode mode() const noexcept { return params_.fulfilment; }

  struct stores;

 private:
  void start(boost::asio::any_completion_handler<void(boost::system::error_code)> handler);
  void run(boost::asio::any_completion_handler<void(boost::system::error_code)> handler);
  void find_summary(std::string order_id, std::optional<std::int64_t> min_position,
                    boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<order_summary>)> h);

  boost::asio::any_io_executor ex_;
  mink::persistence::connection_pool& pool_;
  order_system_params params_;
  std::unique_ptr<stores> stores_;
  std::unique_ptr<order_service> orders_;
  order_summary_cache summary_cache_;
  std::unique_ptr<mink::persistence::sql_projection> summary_projection_;
  order_summary_queries summaries_;
  mink::actors::projection_runner projections_;
  std::unique_ptr<fulfilment_service> fulfilment_;
  struct run_state;
  std::shared_ptr<run_state> run_;
};

}  // namespace ecommerce

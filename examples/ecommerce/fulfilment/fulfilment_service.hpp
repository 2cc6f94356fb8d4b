#pragma once
// Order fulfilment wired for running: the simulated services, the fulfilment saga and a saga
// manager over the stores the application gives it, sending its commands through the order
// service's bus. Running it is the "auto" fulfilment mode; not starting it is "manual".

#include <ecommerce/fulfilment/fulfilment_saga.hpp>
#include <ecommerce/fulfilment/services.hpp>

#include <mink/actors/saga_manager.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <chrono>
#include <memory>

namespace mink::persistence {
class event_store;
class saga_store;
class deadline_store;
class checkpoint_store;
}  // namespace mink::persistence

namespace ecommerce {

class order_service;

struct fulfilment_params {
  /// Latency, decline limit (10,000.00), the gateway's poll interval (its checkpoint is
  /// "payment-gateway" in the checkpoint store).
  payment_params payment;
  std::chrono::milliseconds payment_deadline{30000};  ///< An unanswered payment fails after this.
  /// Poll interval (1 s) ...; on PostgreSQL set manager.pool to the stores' pool (deadlines are
  /// then claimed and handled in one transaction).
  mink::actors::saga_manager_params manager;
};

/// Owns the services and the saga manager. Everything passed in must outlive it; let async_run
/// complete (after cancel()) before destroying it. Thread safety: as saga_manager.
class fulfilment_service {
 public:
  fulfilment_service(boost::asio::any_io_executor ex, mink::persistence::event_store& events,
                     mink::persistence::saga_store& sagas, mink::persistence::deadline_store& deadlines,
                     mink::persistence::checkpoint_store& checkpoints, order_service& orders,
                     fulfilment_params params = {});
  ~fulfilment_service();

  /// Runs the saga manager and the payment gateway until cancel(); completes once both have
  /// ended. Completion: void(error_code): success after cancel(), else the gateway's error or the
  /// manager's (errc::operation_in_progress when run twice). Cancellation: cancel() only. Completes
  /// on the handler's executor (default: the service's), never inline.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { run(std::move(handler)); }, token);
  }
  /// Stops the manager and the payment gateway (requests it has not answered stay in the log and
  /// are answered by the next run). Thread-safe.
  void cancel();
  /// Call on every event notification: wakes the manager and the payment gateway. Thread-safe, cheap.
  void wake();

  /// Queries, retry and stats.
  mink::actors::saga_manager& manager() noexcept { return manager_; }
  payment_service& payments() noexcept { return payments_; }

 private:
  void run(boost::asio::any_completion_handler<void(boost::system::error_code)> handler);

  boost::asio::any_io_executor ex_;
  payment_service payments_;
  inventory_service inventory_;
  mink::actors::saga_manager manager_;
};

}  // namespace ecommerce

#pragma once
// Reads of the order-summary read model: one order, a filtered page, counts per status.

#include <ecommerce/read_model/order_summary.hpp>
#include <ecommerce/read_model/order_summary_projection.hpp>

#include <mink/persistence/statement.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <optional>
#include <string>

namespace mink::persistence {
class connection_pool;
}

namespace ecommerce {

/// Queries the order-summary table on `pool` (which must outlive this object). Each operation
/// is one prepared statement on one pooled connection; the table may be swapped by a rebuild
/// between two queries (each query sees either the old or the new table, never a mix).
///
/// Every operation completes on the handler's associated executor (default: the pool's), never
/// inside the initiating call; arguments are moved in. Errors: the pool's and the database's
/// (e.g. mink::persistence::condition::connection_error), and those listed per operation.
/// Cancellation: terminal cancellation through the handler's slot aborts the database wait.
/// Thread-safe.
class order_summary_queries {
 public:
  explicit order_summary_queries(mink::persistence::connection_pool& pool, std::string table = order_summary_table);

  /// The summary of `order_id`, or nullopt when the projection has no such order (yet).
  /// Completion: void(error_code, std::optional<order_summary>).
  template <class CompletionToken>
  auto async_find(std::string order_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::optional<order_summary>)>(
        [this](auto handler, std::string id) { find(std::move(id), std::move(handler)); }, token,
        std::move(order_id));
  }

  /// A page of orders in order id order, filtered by status and/or customer; keyset pagination
  /// (the page's `next` is where the following page starts, so pages stay stable while orders
  /// are added). Completion: void(error_code, order_page). Errors: mink::errc::invalid_value for
  /// a limit outside 1..500 or an unknown status.
  template <class CompletionToken>
  auto async_list(order_list_query query, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, order_page)>(
        [this](auto handler, order_list_query q) { list(std::move(q), std::move(handler)); }, token,
        std::move(query));
  }

  /// How many orders are in each status. Completion: void(error_code, order_status_counts).
  template <class CompletionToken>
  auto async_count_by_status(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, order_status_counts)>(
        [this](auto handler) { count_by_status(std::move(handler)); }, token);
  }

  static constexpr std::size_t max_page_size = 500;

 private:
  void find(std::string order_id,
            boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<order_summary>)> h);
  void list(order_list_query query,
            boost::asio::any_completion_handler<void(boost::system::error_code, order_page)> h);
  void count_by_status(boost::asio::any_completion_handler<void(boost::system::error_code, order_status_counts)> h);

  mink::persistence::connection_pool& pool_;
  mink::persistence::statement find_;
  mink::persistence::statement list_;
  mink::persistence::statement count_;
};

}  // namespace ecommerce

#pragma once
// The most recently read order summaries, in memory, kept coherent by the order-summary
// projection of this process: what makes GET /orders/{id} cheap for orders read again and again.

#include <ecommerce/read_model/order_summary.hpp>

#include <mink/messaging/event.hpp>

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ecommerce {

/// A bounded LRU cache of order summaries by order id.
///
/// Coherence: the projection invalidates the orders of every batch it commits to the live table
/// (and everything after a rebuild's swap) before the batch counts as applied. A reader that
/// missed takes generation() before querying the database and offers the row with it; the row is
/// kept only when nothing was invalidated meanwhile, so a row read before a commit can never
/// outlive that commit's invalidation. This holds only while the projection writing the table runs
/// in this process (order_system's does); another writer of the table would go unseen.
///
/// Thread-safe.
class order_summary_cache {
 public:
  /// At most `capacity` summaries (0: the cache keeps nothing).
  explicit order_summary_cache(std::size_t capacity);

  /// The cached summary of `order_id`, if any (and marks it recently used).
  std::optional<order_summary> find(const std::string& order_id);

  /// The invalidation count; take it before reading the database on a miss.
  std::uint64_t generation() const;

  /// Offers a summary read from the database after generation() answered `read_generation`.
  /// Kept only if no invalidation happened since. The least recently used entry goes when full.
  void offer(order_summary summary, std::uint64_t read_generation);

  /// Forgets the orders that `events` (order events: their data names the order_id) changed;
  /// everything if one does not say.
  void invalidate(const std::vector<mink::recorded_event>& events);

  /// Forgets everything.
  void clear();

  std::size_t size() const;

 private:
  using lru_list = std::list<order_summary>;

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;
  lru_list entries_;  ///< Most recently used first.
  std::unordered_map<std::string, lru_list::iterator> index_;
};

}  // namespace ecommerce

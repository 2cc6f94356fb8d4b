#include <ecommerce/read_model/order_summary_cache.hpp>

namespace ecommerce {

order_summary_cache::order_summary_cache(std::size_t capacity) : capacity_(capacity) {}

std::optional<order_summary> order_summary_cache::find(const std::string& order_id) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(order_id);
  if (it == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, it->second);
  return *it->second;
}

std::uint64_t order_summary_cache::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void order_summary_cache::offer(order_summary summary, std::uint64_t read_generation) {
  std::lock_guard lock(mutex_);
  if (capacity_ == 0 || read_generation != generation_) return;
  if (const auto it = index_.find(summary.order_id); it != index_.end()) {
    *it->second = std::move(summary);
    entries_.splice(entries_.begin(), entries_, it->second);
    return;
  }
  if (entries_.size() >= capacity_) {
    index_.erase(entries_.back().order_id);
    entries_.pop_back();
  }
  entries_.push_front(std::move(summary));
  index_.emplace(entries_.front().order_id, entries_.begin());
}

void order_summary_cache::invalidate(const std::vector<mink::recorded_event>& events) {
  std::lock_guard lock(mutex_);
  ++generation_;
  for (const auto& e : events) {
    const auto* data = e.data.if_object();
    const auto* id = data != nullptr ? data->if_contains("order_id") : nullptr;
    if (id == nullptr || !id->is_string()) {
      entries_.clear();
      index_.clear();
      return;
    }
    const auto it = index_.find(std::string(id->get_string()));
    if (it == index_.end()) continue;
    entries_.erase(it->second);
    index_.erase(it);
  }
}

void order_summary_cache::clear() {
  std::lock_guard lock(mutex_);
  ++generation_;
  entries_.clear();
  index_.clear();
}

std::size_t order_summary_cache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace ecommerce

#include <mink/persistence/memory_event_store.hpp>

#include "append_record.hpp"
#include <mink/persistence/detail/post_completion.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace mink::persistence {

namespace {

using boost::system::error_code;

/// The store's clock, at the precision PostgreSQL keeps (microseconds), so that times read back
/// from either store compare alike.
std::chrono::system_clock::time_point now_micros() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

/// stream_category without allocating: read_all calls it for every event it scans.
std::string_view category_of(std::string_view stream_id) noexcept {
  return stream_id.substr(0, stream_id.find('-'));
}

/// Makes room up front, so that the writes below cannot fail half-way, while keeping a vector's
/// amortized growth (reserve(size + n) alone would reallocate on every append).
template <class T>
void reserve_geometric(std::vector<T>& v, std::size_t needed) {
  if (v.capacity() < needed) v.reserve(std::max(needed, 2 * v.capacity()));
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool matches(const read_all_filter& filter, const recorded_event& e) {
  if (!filter.event_types.empty() && !contains(filter.event_types, e.type)) return false;
  if (!filter.categories.empty() && !contains(filter.categories, category_of(e.stream_id))) return false;
  return true;
}

}  // namespace

memory_event_store::memory_event_store(boost::asio::any_io_executor ex, std::size_t max_event_bytes)
    : ex_(std::move(ex)), max_event_bytes_(max_event_bytes), idempotency_(ex_), checkpoints_(ex_) {}

void memory_event_store::do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                                   append_options options, append_handler handler) {
  append_result result;
  result.stream_id = stream_id;
  // Validation serializes every event: done before taking the lock so other callers do not wait.
  error_code ec = validate_append(stream_id, events, options, max_event_bytes_);
  if (!ec) {
    std::lock_guard lock(mutex_);
    const auto log_size = log_.size();
    if (options.idempotency) {
      std::lock_guard records_lock(idempotency_.mtx_);
      ec = claimed_append_locked(stream_id, expected, events, *options.idempotency, result);
    } else {
      ec = append_locked(stream_id, expected, events, result);
    }
    if (log_.size() != log_size) ++next_transaction_;  // the append's transaction ends
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(result));
}

error_code memory_event_store::claimed_append_locked(const std::string& stream_id, expected_version expected,
                                                     std::vector<event_data>& events, idempotency_claim& claim,
                                                     append_result& result) {
  const auto now = now_micros();
  idempotency_record record;
  record.key = claim.key;
  record.fingerprint = claim.fingerprint;
  const idempotency_record* live = nullptr;
  if (auto ec = idempotency_.check_locked(record, now, live)) return ec;
  if (live != nullptr) {
    detail::replay_from_record(live->result, result);
    return {};
  }
  if (auto ec = append_locked(stream_id, expected, events, result)) return ec;
  if (result.replayed) return {};  // the event ids were stored by an append without this key
  record.result = detail::append_record_result(result, std::move(claim.response));
  idempotency_.store_locked(std::move(record), claim.ttl, now);
  return {};
}

error_code memory_event_store::append_locked(const std::string& stream_id, expected_version expected,
                                             std::vector<event_data>& events, append_result& result) {
  // A stored first id means a retry of an append whose outcome the caller did not learn.
  if (const auto first = event_ids_.find(events.front().event_id); first != event_ids_.end()) {
    return replay_locked(stream_id, events, first->second, result);
  }
  std::unordered_set<std::string_view> batch;
  for (const auto& e : events) {
    if (event_ids_.contains(e.event_id) || !batch.insert(e.event_id).second) return errc::duplicate_event_id;
  }

  const auto stream = streams_.find(stream_id);
  const std::uint64_t current = stream == streams_.end() ? 0 : stream->second.events.size();
  if (!expected.accepts(current)) {
    // stream_exists fails only on a missing stream, which has a more precise error of its own.
    if (expected.what() == expected_version::kind::stream_exists) return errc::stream_not_found;
    result.expected = expected;
    result.actual_version = current;
    return errc::wrong_expected_version;
  }
  write_locked(stream_id, current, events, result);
  return {};
}

error_code memory_event_store::replay_locked(const std::string& stream_id, const std::vector<event_data>& events,
                                             std::size_t first_index, append_result& result) const {
  const recorded_event& first = log_[first_index];
  if (first.stream_id != stream_id) return errc::duplicate_event_id;
  const auto& versions = streams_.at(stream_id).events;
  // Only the very same batch is a replay: every id, in order, at consecutive versions.
  if (first.version - 1 + events.size() > versions.size()) return errc::duplicate_event_id;
  std::vector<std::int64_t> positions;
  positions.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const recorded_event& stored = log_[versions[first.version - 1 + i]];
    if (stored.event_id != events[i].event_id) return errc::duplicate_event_id;
    positions.push_back(stored.position);
  }
  result.version = first.version - 1 + events.size();
  result.positions = std::move(positions);
  result.transaction_id = first.transaction_id;  // the original append's (as the PostgreSQL store reports)
  result.replayed = true;
  return {};
}

void memory_event_store::write_locked(const std::string& stream_id, std::uint64_t current,
                                      std::vector<event_data>& events, append_result& result) {
  const auto log_size = log_.size();
  const auto saved_position = next_position_;
  auto [stream, created] = streams_.try_emplace(stream_id);
  auto& versions = stream->second.events;
  try {
    reserve_geometric(log_, log_size + events.size());
    reserve_geometric(versions, current + events.size());
    result.positions.reserve(events.size());
    const auto transaction_id = next_transaction_;  // the caller ends the transaction
    const auto recorded_at = now_micros();
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto& e = events[i];
      log_.push_back(recorded_event{stream_id, current + i + 1, next_position_++, transaction_id,
                                    std::move(e.event_id), std::move(e.type), std::move(e.data),
                                    std::move(e.metadata), recorded_at});
      versions.push_back(log_.size() - 1);
      event_ids_.emplace(log_.back().event_id, log_.size() - 1);
      result.positions.push_back(log_.back().position);
    }
    result.version = current + events.size();
    result.transaction_id = transaction_id;
  } catch (...) {
    // Out of memory half-way: undo, so that an append stays all-or-nothing even then. The ids of
    // this batch were checked to be new, so erasing them cannot remove an older event's.
    for (auto i = log_size; i < log_.size(); ++i) event_ids_.erase(log_[i].event_id);
    log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(log_size), log_.end());
    versions.resize(current);
    if (created) streams_.erase(stream);
    next_position_ = saved_position;
    result.positions.clear();
    throw;
  }
}

void memory_event_store::do_commit(unit_of_work unit, commit_handler handler) {
  unit_of_work_result result;
  error_code ec = validate_unit(unit, max_event_bytes_, result);
  if (!ec) {
    std::scoped_lock lock(mutex_, idempotency_.mtx_, checkpoints_.mtx_);
    ec = commit_locked(unit, result);
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(result));
}

error_code memory_event_store::commit_locked(unit_of_work& unit, unit_of_work_result& result) {
  const auto log_size = log_.size();
  const auto saved_position = next_position_;
  std::vector<std::string> claimed;  // keys recorded by this unit, removed again if it fails
  error_code ec;
  try {
    for (std::size_t i = 0; i < unit.appends.size() && !ec; ++i) {
      auto& a = unit.appends[i];
      auto& r = result.appends[i];
      if (a.options.idempotency) {
        ec = claimed_append_locked(a.stream_id, a.expected, a.events, *a.options.idempotency, r);
        if (!ec && !r.replayed) claimed.push_back(a.options.idempotency->key);
      } else {
        ec = append_locked(a.stream_id, a.expected, a.events, r);
      }
      if (ec) result.failed_append = i;
    }
  } catch (...) {
    ec = errc::internal_error;
  }
  if (ec) {
    truncate_locked(log_size);
    for (const auto& key : claimed) idempotency_.records_.erase(key);
    next_position_ = saved_position;
    return ec;
  }
  if (log_.size() != log_size) ++next_transaction_;  // the unit's transaction ends
  const auto now = now_micros();
  for (auto& c : unit.checkpoints) {
    c.updated_at = now;
    auto name = c.projection;
    checkpoints_.saved_.insert_or_assign(std::move(name), std::move(c));
  }
  return {};
}

void memory_event_store::truncate_locked(std::size_t log_size) {
  while (log_.size() > log_size) {
    const auto& e = log_.back();
    event_ids_.erase(e.event_id);
    auto stream = streams_.find(e.stream_id);
    stream->second.events.pop_back();
    if (stream->second.events.empty()) streams_.erase(stream);
    log_.pop_back();
  }
}

void memory_event_store::do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count,
                                        read_direction direction, read_stream_handler handler) {
  error_code ec;
  std::vector<recorded_event> events;
  if (from == 0) {
    ec = errc::invalid_version;
  } else {
    std::lock_guard lock(mutex_);
    if (const auto stream = streams_.find(stream_id); stream == streams_.end()) {
      ec = errc::stream_not_found;
    } else {
      const auto& versions = stream->second.events;
      const std::uint64_t last = versions.size();
      if (direction == read_direction::forward) {
        if (from <= last) {
          const std::uint64_t count = std::min<std::uint64_t>(max_count, last - from + 1);
          events.reserve(count);
          for (std::uint64_t i = 0; i < count; ++i) events.push_back(log_[versions[from - 1 + i]]);
        }
      } else {
        auto v = std::min(from, last);
        const std::uint64_t count = std::min<std::uint64_t>(max_count, v);
        events.reserve(count);
        for (std::uint64_t i = 0; i < count; ++i, --v) events.push_back(log_[versions[v - 1]]);
      }
    }
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(events));
}

void memory_event_store::do_read_all(log_position after, std::size_t max_count, read_all_filter filter,
                                     read_all_handler handler) {
  read_all_result result;
  result.next = after;
  {
    std::lock_guard lock(mutex_);
    auto it = std::upper_bound(log_.begin(), log_.end(), after,
                               [](const log_position& p, const recorded_event& e) { return p < e.log(); });
    // Every scanned event advances `next`, so that the events a filter passes over are not
    // scanned again by the next call; the scan stops right after the last event returned.
    for (; it != log_.end() && result.events.size() < max_count; ++it) {
      result.next = it->log();
      if (matches(filter, *it)) result.events.push_back(*it);
    }
  }
  detail::post_completion(ex_, std::move(handler), error_code{}, std::move(result));
}

void memory_event_store::do_stream_info(std::string stream_id, stream_info_handler handler) {
  error_code ec;
  stream_info info;
  info.stream_id = stream_id;
  {
    std::lock_guard lock(mutex_);
    if (const auto stream = streams_.find(stream_id); stream == streams_.end()) {
      ec = errc::stream_not_found;
    } else {
      const auto& versions = stream->second.events;
      info.version = versions.size();
      info.event_count = versions.size();
      info.created_at = log_[versions.front()].recorded_at;
      // All events of one append share its time, so the last event's is the last append's.
      info.updated_at = log_[versions.back()].recorded_at;
    }
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(info));
}

void memory_event_store::do_log_position_of(std::int64_t position, log_position_handler handler) {
  std::optional<log_position> found;
  {
    std::lock_guard lock(mutex_);
    // Both counters grow together under the mutex, so the log is sorted by position as well.
    auto it = std::lower_bound(log_.begin(), log_.end(), position,
                               [](const recorded_event& e, std::int64_t p) { return e.position < p; });
    if (it != log_.end() && it->position == position) found = it->log();
  }
  detail::post_completion(ex_, std::move(handler), error_code{}, found);
}

void memory_event_store::do_head_position(head_position_handler handler) {
  std::int64_t head = 0;
  {
    std::lock_guard lock(mutex_);
    if (!log_.empty()) head = log_.back().position;
  }
  detail::post_completion(ex_, std::move(handler), error_code{}, head);
}

}  // namespace mink::persistence

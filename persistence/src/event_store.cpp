#include <mink/persistence/event_store.hpp>

#include <mink/messaging/errc.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/json/serialize.hpp>

namespace mink::persistence {

std::string append_result::conflict_message() const {
  if (!expected || !actual_version) return {};
  return describe_conflict(stream_id, *expected, *actual_version);
}

std::string stream_category(const std::string& stream_id) {
  const auto dash = stream_id.find('-');
  return dash == std::string::npos ? stream_id : stream_id.substr(0, dash);
}

boost::system::error_code validate_append(const std::string& stream_id, std::vector<event_data>& events,
                                          std::size_t max_event_bytes) {
  if (stream_id.empty()) return errc::empty_stream_id;
  if (events.empty()) return errc::no_events;
  for (auto& e : events) {
    if (e.type.empty()) return errc::invalid_event;
    if (e.event_id.empty()) {
      e.event_id = new_uuid();
    } else if (!is_uuid(e.event_id)) {
      return errc::invalid_event;
    } else {
      // PostgreSQL prints UUIDs in lower case: normalize so that every store reads back the same.
      for (auto& c : e.event_id) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    const auto size = boost::json::serialize(e.data).size() + boost::json::serialize(to_json(e.metadata)).size();
    if (size > max_event_bytes) return errc::event_too_large;
  }
  return {};
}

boost::system::error_code validate_append(const std::string& stream_id, std::vector<event_data>& events,
                                          const append_options& options, std::size_t max_event_bytes) {
  if (auto ec = validate_append(stream_id, events, max_event_bytes)) return ec;
  if (const auto& claim = options.idempotency) {
    if (claim->key.empty()) return errc::empty_name;
    if (claim->ttl <= std::chrono::seconds::zero()) return errc::invalid_ttl;
  }
  return {};
}

boost::system::error_code validate_unit(unit_of_work& unit, std::size_t max_event_bytes, unit_of_work_result& result) {
  result.appends.resize(unit.appends.size());
  for (std::size_t i = 0; i < unit.appends.size(); ++i) {
    auto& a = unit.appends[i];
    result.appends[i].stream_id = a.stream_id;
    if (auto ec = validate_append(a.stream_id, a.events, a.options, max_event_bytes)) {
      result.failed_append = i;
      return ec;
    }
  }
  for (const auto& c : unit.checkpoints) {
    if (c.projection.empty()) return errc::empty_name;
  }
  return {};
}

std::string_view to_string(idempotency_status s) noexcept {
  switch (s) {
    case idempotency_status::completed: return "completed";
    case idempotency_status::failed: return "failed";
  }
  return "completed";
}

bool from_string(std::string_view text, idempotency_status& out) noexcept {
  if (text == "completed") {
    out = idempotency_status::completed;
  } else if (text == "failed") {
    out = idempotency_status::failed;
  } else {
    return false;
  }
  return true;
}

}  // namespace mink::persistence

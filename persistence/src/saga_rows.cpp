#include "saga_rows.hpp"

#include "time_format.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

namespace mink::persistence::detail {

namespace json = boost::json;
using boost::system::error_code;
using time_point = std::chrono::system_clock::time_point;

namespace {

json::value time_to_json(const std::optional<time_point>& t) {
  if (!t) return nullptr;
  return json::string(format_timestamp(*t));
}

bool time_from_json(const json::value* v, std::optional<time_point>& out) {
  if (v == nullptr || v->is_null()) {
    out.reset();
    return true;
  }
  const auto* text = v->if_string();
  time_point t;
  if (text == nullptr || !parse_timestamp(std::string_view(*text), t)) return false;
  out = t;
  return true;
}

// The string at `key`, or "" when absent (an older writer may have left it out).
bool string_at(const json::object& o, std::string_view key, std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    out.clear();
    return true;
  }
  if (!v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

}  // namespace

json::value steps_to_json(const std::vector<saga_step>& steps) {
  json::array a;
  a.reserve(steps.size());
  for (const auto& s : steps) {
    json::object o;
    o["name"] = s.name;
    o["status"] = to_string(s.status);
    o["started_at"] = time_to_json(s.started_at);
    o["finished_at"] = time_to_json(s.finished_at);
    o["error"] = s.error;
    a.push_back(std::move(o));
  }
  return a;
}

error_code steps_from_json(const json::value& json, std::vector<saga_step>& out) {
  const auto* a = json.if_array();
  if (a == nullptr) return errc::invalid_value;
  out.clear();
  out.reserve(a->size());
  for (const auto& item : *a) {
    const auto* o = item.if_object();
    if (o == nullptr) return errc::invalid_value;
    saga_step s;
    std::string status;
    if (!string_at(*o, "name", s.name) || !string_at(*o, "status", status) || !string_at(*o, "error", s.error) ||
        !time_from_json(o->if_contains("started_at"), s.started_at) ||
        !time_from_json(o->if_contains("finished_at"), s.finished_at)) {
      return errc::invalid_value;
    }
    auto parsed = step_status_from_string(status);
    if (!parsed) return errc::invalid_value;
    s.status = *parsed;
    out.push_back(std::move(s));
  }
  return {};
}

json::value processed_to_json(const std::vector<std::string>& processed) {
  json::array a;
  a.reserve(processed.size());
  for (const auto& id : processed) a.emplace_back(id);
  return a;
}

error_code processed_from_json(const json::value& json, std::vector<std::string>& out) {
  const auto* a = json.if_array();
  if (a == nullptr) return errc::invalid_value;
  out.clear();
  out.reserve(a->size());
  for (const auto& item : *a) {
    if (!item.is_string()) return errc::invalid_value;
    out.emplace_back(item.get_string());
  }
  return {};
}

error_code decode_saga(const query_result& r, std::size_t row, saga_state& out) {
  auto id = r.get<std::string>(row, 0);
  auto type = r.get<std::string>(row, 1);
  auto correlation = r.get<std::string>(row, 2);
  auto status = r.get<std::string>(row, 3);
  auto step = r.get<std::string>(row, 4);
  auto steps = r.get<json::value>(row, 5);
  auto data = r.get<json::value>(row, 6);
  auto processed = r.get<json::value>(row, 7);
  auto version = r.get<std::int64_t>(row, 8);
  auto created = r.get<time_point>(row, 9);
  auto updated = r.get<time_point>(row, 10);
  for (const error_code ec : {id.error(), type.error(), correlation.error(), status.error(), step.error(),
                              steps.error(), data.error(), processed.error(), version.error(), created.error(),
                              updated.error()}) {
    if (ec) return ec;
  }
  auto parsed_status = saga_status_from_string(*status);
  if (!parsed_status || *version < 0) return errc::invalid_value;
  out.saga_id = std::move(*id);
  out.saga_type = std::move(*type);
  out.correlation_id = std::move(*correlation);
  out.status = *parsed_status;
  out.current_step = std::move(*step);
  if (auto ec = steps_from_json(*steps, out.steps)) return ec;
  out.data = std::move(*data);
  if (auto ec = processed_from_json(*processed, out.processed)) return ec;
  out.version = static_cast<std::uint64_t>(*version);
  out.created_at = *created;
  out.updated_at = *updated;
  return {};
}

}  // namespace mink::persistence::detail

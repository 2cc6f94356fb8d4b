#include <mink/messaging/dispatch_result.hpp>

#include <boost/json.hpp>

namespace mink {

dispatch_outcome dispatch_failure(boost::system::error_code ec, std::string message) {
  dispatch_outcome out;
  out.ec = ec;
  out.result.error_message = message.empty() ? ec.message() : std::move(message);
  return out;
}

boost::json::value to_json(const dispatch_result& r) {
  boost::json::object o;
  o["command_id"] = r.command_id;
  o["correlation_id"] = r.correlation_id;
  o["stream_id"] = r.stream_id;
  o["version"] = r.version;
  boost::json::array positions;
  for (auto p : r.positions) positions.emplace_back(p);
  o["positions"] = std::move(positions);
  o["event_count"] = r.event_count;
  return o;
}

namespace {

std::string string_at(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::uint64_t uint_at(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return 0;
}

}  // namespace

dispatch_result dispatch_result_from_json(const boost::json::value& v) {
  dispatch_result r;
  const auto* o = v.if_object();
  if (!o) return r;
  r.command_id = string_at(*o, "command_id");
  r.correlation_id = string_at(*o, "correlation_id");
  r.stream_id = string_at(*o, "stream_id");
  r.version = uint_at(*o, "version");
  r.event_count = static_cast<std::size_t>(uint_at(*o, "event_count"));
  if (auto* p = o->if_contains("positions"); p && p->is_array()) {
    for (const auto& e : p->get_array()) {
      if (e.is_int64()) r.positions.push_back(e.get_int64());
      else if (e.is_uint64()) r.positions.push_back(static_cast<std::int64_t>(e.get_uint64()));
    }
  }
  return r;
}

}  // namespace mink

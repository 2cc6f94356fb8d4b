#include <mink/messaging/event.hpp>

#include <boost/json/object.hpp>

namespace mink {

boost::json::value to_json(const event_metadata& m) {
  boost::json::object o;
  auto put = [&](const char* key, const std::string& v) {
    if (!v.empty()) o[key] = v;
  };
  put("correlation_id", m.correlation_id);
  put("causation_id", m.causation_id);
  put("user_id", m.user_id);
  put("tenant_id", m.tenant_id);
  if (!m.custom.empty()) {
    boost::json::object custom;
    for (const auto& [k, v] : m.custom) custom[k] = v;
    o["custom"] = std::move(custom);
  }
  return o;
}

event_metadata metadata_from_json(const boost::json::value& v) {
  event_metadata m;
  const auto* o = v.if_object();
  if (!o) return m;
  auto get = [&](const char* key, std::string& out) {
    if (const auto* f = o->if_contains(key); f && f->is_string()) out = f->get_string().c_str();
  };
  get("correlation_id", m.correlation_id);
  get("causation_id", m.causation_id);
  get("user_id", m.user_id);
  get("tenant_id", m.tenant_id);
  if (const auto* c = o->if_contains("custom"); c && c->is_object()) {
    for (const auto& [k, val] : c->get_object()) {
      if (val.is_string()) m.custom.emplace(std::string(k), std::string(val.get_string()));
    }
  }
  return m;
}

}  // namespace mink

#include "append_record.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <charconv>
#include <string>

namespace mink::persistence::detail {

boost::json::value append_record_result(const append_result& appended, boost::json::value response) {
  boost::json::object stored;
  stored["stream_id"] = appended.stream_id;
  stored["version"] = static_cast<std::int64_t>(appended.version);  // as jsonb reads back
  boost::json::array positions;
  for (auto p : appended.positions) positions.push_back(p);
  stored["positions"] = std::move(positions);
  stored["transaction_id"] = std::to_string(appended.transaction_id);
  stored["response"] = std::move(response);
  return stored;
}

void replay_from_record(const boost::json::value& stored, append_result& out) {
  out.replayed = out.replayed_by_key = true;
  const auto* obj = stored.if_object();
  if (obj == nullptr || !obj->contains("stream_id") || !obj->contains("response")) {
    out.response = stored;
    return;
  }
  if (const auto* v = obj->if_contains("version"); v && v->is_int64()) out.version = static_cast<std::uint64_t>(v->as_int64());
  if (const auto* p = obj->if_contains("positions"); p && p->is_array()) {
    for (const auto& x : p->as_array()) {
      if (x.is_int64()) out.positions.push_back(x.as_int64());
    }
  }
  if (const auto* t = obj->if_contains("transaction_id"); t && t->is_string()) {
    const auto& text = t->as_string();
    std::from_chars(text.data(), text.data() + text.size(), out.transaction_id);
  }
  out.response = obj->at("response");
}

}  // namespace mink::persistence::detail

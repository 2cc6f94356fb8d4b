#include <mink/messaging/event_registry.hpp>

namespace mink {

boost::system::result<decoded_event> event_registry::decode(const recorded_event& e, unknown_event_policy policy) const {
  using result_t = boost::system::result<decoded_event>;
  decoded_event out;
  out.type = e.type;
  auto it = decoders_.find(e.type);
  if (it == decoders_.end()) {
    if (policy == unknown_event_policy::error) return result_t(boost::system::in_place_error, errc::unknown_event_type);
    out.raw = e.data;
    return out;
  }
  if (auto ec = it->second(e.data, out.value)) return result_t(boost::system::in_place_error, ec);
  return out;
}

}  // namespace mink

#pragma once
// Between an aggregate's event variant and the stored form (type name + JSON).

#include <mink/messaging/errc.hpp>
#include <mink/messaging/event.hpp>

#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/system/result.hpp>

#include <concepts>
#include <string_view>
#include <variant>

namespace mink {

/// An event type: `static constexpr std::string_view type_name = "OrderCreated";` and Boost.JSON
/// conversions (tag_invoke value_from / value_to) next to it.
template <class E>
concept named_event = requires(const E& e) {
  { E::type_name } -> std::convertible_to<std::string_view>;
  { boost::json::value_from(e) } -> std::same_as<boost::json::value>;
};

template <class Variant>
struct event_codec;

/// Encodes and decodes `std::variant<Events...>` where every alternative is a named_event with a
/// distinct type name. Stateless and thread-safe.
template <named_event... Events>
struct event_codec<std::variant<Events...>> {
  using variant_type = std::variant<Events...>;

  /// The stored form of `e`, with `metadata`; the event id is left empty (the store fills it in).
  static event_data encode(const variant_type& e, event_metadata metadata = {}) {
    return std::visit(
        [&](const auto& alternative) {
          using E = std::decay_t<decltype(alternative)>;
          event_data d;
          d.type = std::string(E::type_name);
          d.data = boost::json::value_from(alternative);
          d.metadata = std::move(metadata);
          return d;
        },
        e);
  }

  /// Whether `type` names one of the alternatives.
  static bool knows(std::string_view type) noexcept { return ((Events::type_name == type) || ...); }

  /// The event of stored `type` and `data`. Errors: errc::unknown_event_type (no alternative has that
  /// name), errc::invalid_event_data (the JSON does not convert).
  static boost::system::result<variant_type> decode(std::string_view type, const boost::json::value& data) {
    boost::system::result<variant_type> out(boost::system::in_place_error, errc::unknown_event_type);
    (void)((Events::type_name == type ? (out = decode_as<Events>(data), true) : false) || ...);
    return out;
  }

  static boost::system::result<variant_type> decode(const recorded_event& e) { return decode(e.type, e.data); }

 private:
  template <class E>
  static boost::system::result<variant_type> decode_as(const boost::json::value& data) {
    boost::system::result<E> r = boost::json::try_value_to<E>(data);
    if (!r) return {boost::system::in_place_error, errc::invalid_event_data};
    return variant_type(std::in_place_type<E>, std::move(*r));
  }
};

}  // namespace mink

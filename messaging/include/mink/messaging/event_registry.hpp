#pragma once
// Maps C++ event types to stored type names and JSON, and back.

#include <mink/messaging/errc.hpp>
#include <mink/messaging/event.hpp>

#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/system/result.hpp>

#include <any>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>

namespace mink {

/// What event_registry::decode does with a type name nobody registered.
enum class unknown_event_policy {
  raw,    ///< Give the stored JSON back (decoded_event::raw).
  error,  ///< Fail with errc::unknown_event_type.
};

/// A recorded event turned back into its C++ type, or its raw JSON for an unknown type.
struct decoded_event {
  std::string type;
  std::any value;            ///< The C++ event object; empty when raw.
  boost::json::value raw;    ///< The stored data, for unknown types under unknown_event_policy::raw.

  bool known() const noexcept { return value.has_value(); }
  /// The event as `Event`, or nullptr if it is another type (or unknown).
  template <class Event>
  const Event* as() const noexcept {
    return std::any_cast<Event>(&value);
  }
};

/// Registry of event types. Each C++ type is registered once under one name; its JSON conversion
/// is Boost.JSON's (value_from / value_to, i.e. tag_invoke overloads next to the type).
/// Register everything at start-up, then share: lookups are const and thread-safe, add() is not.
class event_registry {
 public:
  /// Registers `Event` as `type_name`. Registering a second name for a type, or a second type for a
  /// name, is errc::duplicate_registration (nothing changes).
  template <class Event>
  boost::system::error_code add(std::string type_name) {
    const std::type_index key(typeid(Event));
    if (type_name.empty()) return errc::empty_name;
    if (names_.contains(key) || decoders_.contains(type_name)) return errc::duplicate_registration;
    names_.emplace(key, type_name);
    decoders_.emplace(std::move(type_name), [](const boost::json::value& data, std::any& out) -> boost::system::error_code {
      boost::system::result<Event> r = boost::json::try_value_to<Event>(data);
      if (!r) return errc::invalid_event_data;
      out = std::move(*r);
      return {};
    });
    return {};
  }

  /// The registered name of `Event`, or nullptr.
  template <class Event>
  const std::string* name_of() const noexcept {
    auto it = names_.find(std::type_index(typeid(Event)));
    return it == names_.end() ? nullptr : &it->second;
  }

  bool knows(std::string_view type_name) const { return decoders_.find(type_name) != decoders_.end(); }

  /// An event_data for `event` (type name + JSON), ready to append; errc::unknown_event_type if
  /// `Event` is not registered.
  template <class Event>
  boost::system::result<event_data> encode(const Event& event, event_metadata metadata = {}) const {
    const std::string* name = name_of<Event>();
    if (!name) return boost::system::result<event_data>(boost::system::in_place_error, errc::unknown_event_type);
    event_data d;
    d.type = *name;
    d.data = boost::json::value_from(event);
    d.metadata = std::move(metadata);
    return d;
  }

  /// The C++ event of a recorded one. Errors: errc::unknown_event_type (policy error),
  /// errc::invalid_event_data (the JSON does not convert to the registered type).
  boost::system::result<decoded_event> decode(const recorded_event& e,
                                              unknown_event_policy policy = unknown_event_policy::error) const;

 private:
  using decoder = boost::system::error_code (*)(const boost::json::value&, std::any&);
  std::unordered_map<std::type_index, std::string> names_;
  std::map<std::string, decoder, std::less<>> decoders_;
};

}  // namespace mink

#pragma once
// Pure domain logic: decide(state, command) -> events or a domain error; evolve(state, event) -> state.

#include <mink/messaging/command.hpp>
#include <mink/messaging/event_codec.hpp>

#include <boost/system/result.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mink {

/// What decide answers: the events to record (possibly none), or a domain error. Domain errors are
/// error codes in the application's own category, whose message() is what a user reads
/// ("cannot submit empty order").
template <class Event>
using decision = boost::system::result<std::vector<Event>>;

/// An aggregate's domain logic, with no I/O:
///   struct order {
///     static constexpr std::string_view category = "Order";  // streams are "Order-<id>"
///     using state_type = order_state;                         // default-constructible: no events yet
///     using event_type = std::variant<order_created, ...>;    // named_event alternatives
///     static order_state evolve(order_state s, const event_type& e);
///     static mink::decision<event_type> decide(const order_state& s, const create_order& c);  // per command
///   };
template <class D>
concept decider = requires {
  { D::category } -> std::convertible_to<std::string_view>;
  typename D::state_type;
  typename D::event_type;
  typename event_codec<typename D::event_type>::variant_type;
} && std::default_initializable<typename D::state_type> &&
    requires(typename D::state_type s, const typename D::event_type& e) {
      { D::evolve(std::move(s), e) } -> std::same_as<typename D::state_type>;
    };

/// `D` decides command `C`.
template <class D, class C>
concept decides = decider<D> && command<C> && requires(const typename D::state_type& s, const C& c) {
  { D::decide(s, c) } -> std::same_as<decision<typename D::event_type>>;
};

/// The stream of an aggregate: "<category>-<id>" ("Order-42").
inline std::string stream_id_of(std::string_view category, std::string_view id) {
  std::string s;
  s.reserve(category.size() + 1 + id.size());
  s += category;
  s += '-';
  s += id;
  return s;
}

/// The stream of aggregate `id` of type `A` (anything with a `category`).
template <class A>
  requires requires { { A::category } -> std::convertible_to<std::string_view>; }
std::string stream_id_of(std::string_view id) {
  return stream_id_of(A::category, id);
}

}  // namespace mink

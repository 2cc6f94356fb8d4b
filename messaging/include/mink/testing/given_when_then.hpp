#pragma once
// Given / when / then tests of a pure mink::decider, for any test framework.
//
//   using namespace mink::testing;
//   verdict v = given<order>(order_created{...}, item_added{...})   // the history (or none: given<order>())
//                   .when(submit_order{...})                        // runs decide against it
//                   .then(order_submitted{...});                    // the events expected, in order
//   BOOST_TEST(v.passed, v.explanation);    // Boost.Test; or: REQUIRE(v) / EXPECT_TRUE(v) << v
//
// The outcome of when() can be checked with:
//   then(e1, e2, ...) / then(std::vector<event>)  exactly these events, compared with operator==
//   then_nothing()                                success with no events
//   then_error(code)                              this domain error: an error_code or error code enum,
//                                                 or an error_condition (enum) it must be equivalent to
//   then_state(expected) / then_state(predicate)  the state after history and the new events
// Each returns a verdict: `passed`, and an `explanation` saying what was expected and what
// happened, with events printed as their type name and JSON (event_codec), e.g.
//   expected events:
//     [0] OrderSubmitted {"order_id":"o-1","total_amount":1549.96,...}
//   but decide failed: ecommerce.order:5 "cannot submit empty order"
// Exceptions thrown by evolve or decide are caught and make every check fail, naming them.
//
// Header-only; depends on mink::messaging and Boost.JSON, not on a test framework. Scenarios are
// values: cheap to build, not shared between threads.

#include <mink/messaging/decider.hpp>
#include <mink/messaging/event_codec.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/error_condition.hpp>

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mink::testing {

/// The result of a check: whether it passed, and what was expected versus what happened.
struct verdict {
  bool passed = false;
  std::string explanation;

  explicit operator bool() const noexcept { return passed; }
  friend std::ostream& operator<<(std::ostream& os, const verdict& v) {
    return os << (v.passed ? "passed" : "failed") << (v.explanation.empty() ? "" : ": ") << v.explanation;
  }
};

namespace detail {

// JSON text like boost::json::serialize, but doubles in their shortest plain form (1549.96, not
// Boost.JSON 1.81's 1.54996E3): what a reader of a failed test expects to see.
inline void append_json(std::string& out, const boost::json::value& v) {
  if (const auto* o = v.if_object()) {
    out += '{';
    const char* sep = "";
    for (const auto& kv : *o) {
      out += sep;
      sep = ",";
      out += boost::json::serialize(boost::json::string_view(kv.key()));
      out += ':';
      append_json(out, kv.value());
    }
    out += '}';
  } else if (const auto* a = v.if_array()) {
    out += '[';
    const char* sep = "";
    for (const auto& element : *a) {
      out += sep;
      sep = ",";
      append_json(out, element);
    }
    out += ']';
  } else if (v.is_double() && std::isfinite(v.get_double())) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
    out.append(buf, r.ptr);
  } else {
    out += boost::json::serialize(v);
  }
}

inline std::string json_text(const boost::json::value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

/// "OrderCreated {"order_id":"o-1",...}".
template <class Event>
std::string describe_event(const Event& e) {
  const event_data d = event_codec<Event>::encode(e);
  return d.type + " " + json_text(d.data);
}

template <class Event>
std::string describe_events(const std::vector<Event>& events) {
  if (events.empty()) return "  (none)\n";
  std::string s;
  for (std::size_t i = 0; i < events.size(); ++i) {
    s += "  [" + std::to_string(i) + "] " + describe_event(events[i]) + "\n";
  }
  return s;
}

inline std::string describe_error(const boost::system::error_code& ec) {
  return std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " \"" + ec.message() + "\"";
}

template <class State>
std::string describe_state(const State& s) {
  if constexpr (requires { boost::json::value_from(s); }) {
    return json_text(boost::json::value_from(s));
  } else {
    return "(a state without a JSON form)";
  }
}

inline std::string describe_exception(const std::exception_ptr& p) {
  try {
    std::rethrow_exception(p);
  } catch (const std::exception& e) {
    return std::string("an exception: ") + e.what();
  } catch (...) {
    return "an exception of an unknown type";
  }
}

}  // namespace detail

/// What decide did with a command, ready to be checked. Made by scenario::when().
template <decider D>
class outcome {
 public:
  using state_type = typename D::state_type;
  using event_type = typename D::event_type;

  outcome(std::string command_name, state_type before, decision<event_type> result)
      : command_(std::move(command_name)), before_(std::move(before)), result_(std::move(result)) {}
  outcome(std::string command_name, std::exception_ptr failure)
      : command_(std::move(command_name)), result_(std::vector<event_type>{}), failure_(std::move(failure)) {}

  /// Passes if decide succeeded with exactly `expected`, in order.
  verdict then(const std::vector<event_type>& expected) const {
    const std::string want = "expected events:\n" + detail::describe_events(expected);
    if (auto v = unusable(want)) return *v;
    const std::vector<event_type>& got = *result_;
    if (got == expected) return {true, "when " + command_ + ": " + std::to_string(got.size()) + " event(s) as expected"};
    std::string why = got.size() != expected.size()
                          ? "expected " + std::to_string(expected.size()) + " event(s), got " + std::to_string(got.size())
                          : "event [" + std::to_string(first_difference(got, expected)) + "] differs";
    return {false, "when " + command_ + ": " + why + "\n" + want + "but got:\n" + detail::describe_events(got)};
  }

  /// Passes if decide succeeded with exactly these events, in order.
  template <class... Events>
    requires(sizeof...(Events) > 0 && (std::constructible_from<event_type, Events> && ...))
  verdict then(Events&&... expected) const {
    return then(std::vector<event_type>{event_type(std::forward<Events>(expected))...});
  }

  /// Passes if decide succeeded without events.
  verdict then_nothing() const {
    const std::string want = "expected no events\n";
    if (auto v = unusable(want)) return *v;
    if (result_->empty()) return {true, "when " + command_ + ": no events, as expected"};
    return {false, "when " + command_ + ": " + want + "but got:\n" + detail::describe_events(*result_)};
  }

  /// Passes if decide failed with `expected` (compared as error codes: same category and value).
  verdict then_error(const boost::system::error_code& expected) const {
    return check_error(detail::describe_error(expected), [&](const boost::system::error_code& ec) { return ec == expected; });
  }

  /// Passes if decide failed with an error equivalent to condition `expected`.
  verdict then_error(const boost::system::error_condition& expected) const {
    const std::string text = std::string(expected.category().name()) + ":" + std::to_string(expected.value()) +
                             " \"" + expected.message() + "\" (a condition)";
    return check_error(text, [&](const boost::system::error_code& ec) { return ec == expected; });
  }

  /// An error code enum (order_errc::empty_order) or an error condition enum (errc::invalid_argument).
  template <class ErrorEnum>
    requires boost::system::is_error_code_enum<ErrorEnum>::value ||
             boost::system::is_error_condition_enum<ErrorEnum>::value
  verdict then_error(ErrorEnum expected) const {
    if constexpr (boost::system::is_error_code_enum<ErrorEnum>::value) {
      return then_error(boost::system::error_code(expected));
    } else {
      return then_error(boost::system::error_condition(expected));
    }
  }

  /// Passes if the state after the history and the new events equals `expected`.
  verdict then_state(const state_type& expected) const
    requires std::equality_comparable<state_type>
  {
    const std::string want = "expected state " + detail::describe_state(expected) + "\n";
    std::optional<state_type> after;
    if (auto v = state_after(want, after)) return *v;
    if (*after == expected) return {true, "when " + command_ + ": state as expected"};
    return {false, "when " + command_ + ": " + want + "but got state " + detail::describe_state(*after) + "\n"};
  }

  /// Passes if `predicate(state after the history and the new events)` is true.
  template <class Predicate>
    requires std::predicate<const Predicate&, const state_type&>
  verdict then_state(const Predicate& predicate) const {
    const std::string want = "expected a state satisfying the predicate\n";
    std::optional<state_type> after;
    if (auto v = state_after(want, after)) return *v;
    if (std::invoke(predicate, std::as_const(*after))) return {true, "when " + command_ + ": state satisfies the predicate"};
    return {false, "when " + command_ + ": " + want + "but the state was " + detail::describe_state(*after) + "\n"};
  }

  /// The raw decision (for checks the helpers do not cover); empty events if given/decide threw.
  const decision<event_type>& result() const noexcept { return result_; }

 private:
  // A verdict when the decision cannot be compared with events: an exception or an error.
  std::optional<verdict> unusable(const std::string& want) const {
    if (failure_) return verdict{false, "when " + command_ + ": " + want + "but decide threw " + detail::describe_exception(failure_)};
    if (!result_) return verdict{false, "when " + command_ + ": " + want + "but decide failed: " + detail::describe_error(result_.error()) + "\n"};
    return std::nullopt;
  }

  std::optional<verdict> state_after(const std::string& want, std::optional<state_type>& after) const {
    if (auto v = unusable(want)) return v;
    try {
      state_type s = before_;
      for (const auto& e : *result_) s = D::evolve(std::move(s), e);
      after.emplace(std::move(s));
    } catch (...) {
      return verdict{false, "when " + command_ + ": " + want + "but evolve threw " + detail::describe_exception(std::current_exception())};
    }
    return std::nullopt;
  }

  template <class Matches>
  verdict check_error(const std::string& expected, const Matches& matches) const {
    const std::string want = "expected error " + expected + "\n";
    if (failure_) return {false, "when " + command_ + ": " + want + "but decide threw " + detail::describe_exception(failure_)};
    if (result_.has_value()) {
      return {false, "when " + command_ + ": " + want + "but decide succeeded with:\n" + detail::describe_events(*result_)};
    }
    if (matches(result_.error())) return {true, "when " + command_ + ": error " + expected + ", as expected"};
    return {false, "when " + command_ + ": " + want + "but got error " + detail::describe_error(result_.error()) + "\n"};
  }

  static std::size_t first_difference(const std::vector<event_type>& a, const std::vector<event_type>& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
  }

  std::string command_;
  state_type before_{};
  decision<event_type> result_;
  std::exception_ptr failure_;
};

/// A history of events for decider `D`, against which a command is decided. Made by given().
template <decider D>
class scenario {
 public:
  using state_type = typename D::state_type;
  using event_type = typename D::event_type;

  explicit scenario(std::vector<event_type> history) : history_(std::move(history)) {}

  /// Folds the history with evolve, then decides `command` against the result.
  template <class Command>
    requires decides<D, Command>
  outcome<D> when(const Command& command) const {
    std::string name = std::string(Command::type_name) + " " + detail::json_text(boost::json::value_from(command));
    try {
      state_type s{};
      for (const auto& e : history_) s = D::evolve(std::move(s), e);
      decision<event_type> d = D::decide(std::as_const(s), command);
      return outcome<D>(std::move(name), std::move(s), std::move(d));
    } catch (...) {
      return outcome<D>(std::move(name), std::current_exception());
    }
  }

  const std::vector<event_type>& history() const noexcept { return history_; }

 private:
  std::vector<event_type> history_;
};

/// The history `events` (each converts to D::event_type), or none.
template <decider D, class... Events>
  requires(std::constructible_from<typename D::event_type, Events> && ...)
scenario<D> given(Events&&... events) {
  return scenario<D>(std::vector<typename D::event_type>{typename D::event_type(std::forward<Events>(events))...});
}

/// The history `events`: given<order>({order_created{...}, item_added{...}}).
template <decider D>
scenario<D> given(std::vector<typename D::event_type> events) {
  return scenario<D>(std::move(events));
}

}  // namespace mink::testing

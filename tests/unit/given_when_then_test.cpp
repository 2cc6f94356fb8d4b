// The given / when / then helpers, over a small decider of their own.

#include <mink/messaging/errc.hpp>
#include <mink/testing/given_when_then.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>

namespace counting {

struct incremented {
  static constexpr std::string_view type_name = "Incremented";
  int by = 0;
  friend bool operator==(const incremented&, const incremented&) = default;
};
struct was_reset {
  static constexpr std::string_view type_name = "WasReset";
  friend bool operator==(const was_reset&, const was_reset&) = default;
};
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const incremented& e) { v = {{"by", e.by}}; }
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const was_reset&) { v = boost::json::object{}; }

struct increment {
  static constexpr std::string_view type_name = "Increment";
  std::string id;
  int by = 0;
  const std::string& aggregate_id() const { return id; }
};
struct reset {
  static constexpr std::string_view type_name = "Reset";
  std::string id;
  const std::string& aggregate_id() const { return id; }
};
struct explode {
  static constexpr std::string_view type_name = "Explode";
  std::string id;
  const std::string& aggregate_id() const { return id; }
};
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const increment& c) { v = {{"id", c.id}, {"by", c.by}}; }
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const reset& c) { v = {{"id", c.id}}; }
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const explode& c) { v = {{"id", c.id}}; }

struct counter_state {
  int value = 0;
  friend bool operator==(const counter_state&, const counter_state&) = default;
};
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const counter_state& s) { v = {{"value", s.value}}; }

// Increments by a positive amount (else invalid_argument); a reset of zero does nothing.
struct counter {
  static constexpr std::string_view category = "Counter";
  using state_type = counter_state;
  using event_type = std::variant<incremented, was_reset>;

  static counter_state evolve(counter_state s, const event_type& e) {
    if (const auto* inc = std::get_if<incremented>(&e)) {
      s.value += inc->by;
    } else {
      s.value = 0;
    }
    return s;
  }
  static mink::decision<event_type> decide(const counter_state&, const increment& c) {
    if (c.by <= 0) return {boost::system::in_place_error, boost::system::errc::make_error_code(boost::system::errc::invalid_argument)};
    return std::vector<event_type>{incremented{c.by}};
  }
  static mink::decision<event_type> decide(const counter_state& s, const reset&) {
    if (s.value == 0) return std::vector<event_type>{};
    return std::vector<event_type>{was_reset{}};
  }
  static mink::decision<event_type> decide(const counter_state&, const explode&) { throw std::runtime_error("boom"); }
};

}  // namespace counting

using namespace counting;
using mink::testing::given;
using mink::testing::verdict;

namespace {

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(given_when_then)

BOOST_AUTO_TEST_CASE(then_passes_on_the_expected_events) {
  verdict v = given<counter>(incremented{2}).when(increment{"c", 3}).then(incremented{3});
  BOOST_TEST(v.passed, v.explanation);
  BOOST_TEST(static_cast<bool>(v));
  BOOST_TEST(contains(v.explanation, "Increment {\"id\":\"c\",\"by\":3}"), v.explanation);
  // The same with a vector, and with the history as a braced list.
  BOOST_TEST(given<counter>({incremented{1}, incremented{1}}).when(increment{"c", 3}).then({incremented{3}}).passed);
}

BOOST_AUTO_TEST_CASE(then_fails_on_other_events_and_shows_both) {
  verdict v = given<counter>().when(increment{"c", 3}).then(incremented{4});
  BOOST_TEST(!v.passed);
  BOOST_TEST(!static_cast<bool>(v));
  BOOST_TEST(contains(v.explanation, "event [0] differs"), v.explanation);
  BOOST_TEST(contains(v.explanation, "expected events:\n  [0] Incremented {\"by\":4}"), v.explanation);
  BOOST_TEST(contains(v.explanation, "but got:\n  [0] Incremented {\"by\":3}"), v.explanation);

  verdict count = given<counter>().when(increment{"c", 3}).then(incremented{3}, was_reset{});
  BOOST_TEST(!count.passed);
  BOOST_TEST(contains(count.explanation, "expected 2 event(s), got 1"), count.explanation);
  BOOST_TEST(contains(count.explanation, "[1] WasReset {}"), count.explanation);
}

BOOST_AUTO_TEST_CASE(then_fails_when_decide_fails) {
  verdict v = given<counter>().when(increment{"c", 0}).then(incremented{0});
  BOOST_TEST(!v.passed);
  BOOST_TEST(contains(v.explanation, "but decide failed: "), v.explanation);
  BOOST_TEST(contains(v.explanation, "Invalid argument"), v.explanation);
}

BOOST_AUTO_TEST_CASE(then_nothing) {
  verdict ok = given<counter>().when(reset{"c"}).then_nothing();
  BOOST_TEST(ok.passed, ok.explanation);
  verdict bad = given<counter>(incremented{5}).when(reset{"c"}).then_nothing();
  BOOST_TEST(!bad.passed);
  BOOST_TEST(contains(bad.explanation, "expected no events\nbut got:\n  [0] WasReset {}"), bad.explanation);
  // Events expected, none produced.
  verdict none = given<counter>().when(reset{"c"}).then(was_reset{});
  BOOST_TEST(!none.passed);
  BOOST_TEST(contains(none.explanation, "but got:\n  (none)"), none.explanation);
}

BOOST_AUTO_TEST_CASE(then_error) {
  using boost::system::errc::invalid_argument;
  verdict by_enum = given<counter>().when(increment{"c", -1}).then_error(invalid_argument);
  BOOST_TEST(by_enum.passed, by_enum.explanation);
  verdict by_code = given<counter>().when(increment{"c", -1}).then_error(boost::system::errc::make_error_code(invalid_argument));
  BOOST_TEST(by_code.passed, by_code.explanation);

  verdict other = given<counter>().when(increment{"c", -1}).then_error(boost::system::errc::permission_denied);
  BOOST_TEST(!other.passed);
  BOOST_TEST(contains(other.explanation, "expected error generic:13"), other.explanation);
  BOOST_TEST(contains(other.explanation, "but got error generic:22"), other.explanation);

  // An error code enum: compared by category and value.
  verdict code_enum = given<counter>().when(increment{"c", -1}).then_error(mink::errc::timeout);
  BOOST_TEST(!code_enum.passed);
  BOOST_TEST(contains(code_enum.explanation, "expected error mink:21 \"operation timed out\"\nbut got error generic:22"),
             code_enum.explanation);

  verdict succeeded = given<counter>().when(increment{"c", 1}).then_error(invalid_argument);
  BOOST_TEST(!succeeded.passed);
  BOOST_TEST(contains(succeeded.explanation, "but decide succeeded with:\n  [0] Incremented {\"by\":1}"), succeeded.explanation);
}

BOOST_AUTO_TEST_CASE(then_state) {
  verdict equal = given<counter>(incremented{2}).when(increment{"c", 3}).then_state(counter_state{5});
  BOOST_TEST(equal.passed, equal.explanation);
  verdict unequal = given<counter>(incremented{2}).when(increment{"c", 3}).then_state(counter_state{6});
  BOOST_TEST(!unequal.passed);
  BOOST_TEST(contains(unequal.explanation, "expected state {\"value\":6}\nbut got state {\"value\":5}"), unequal.explanation);

  verdict holds = given<counter>(incremented{2}).when(reset{"c"}).then_state([](const counter_state& s) { return s.value == 0; });
  BOOST_TEST(holds.passed, holds.explanation);
  verdict fails = given<counter>(incremented{2}).when(increment{"c", 1}).then_state([](const counter_state& s) { return s.value == 0; });
  BOOST_TEST(!fails.passed);
  BOOST_TEST(contains(fails.explanation, "but the state was {\"value\":3}"), fails.explanation);

  verdict after_error = given<counter>().when(increment{"c", 0}).then_state(counter_state{0});
  BOOST_TEST(!after_error.passed);
}

BOOST_AUTO_TEST_CASE(exceptions_fail_every_check) {
  auto outcome = given<counter>().when(explode{"c"});
  for (const verdict& v : {outcome.then_nothing(), outcome.then(was_reset{}), outcome.then_error(boost::system::errc::io_error),
                           outcome.then_state(counter_state{})}) {
    BOOST_TEST(!v.passed);
    BOOST_TEST(contains(v.explanation, "threw an exception: boom"), v.explanation);
  }
}

BOOST_AUTO_TEST_CASE(verdicts_print) {
  std::ostringstream os;
  os << given<counter>().when(reset{"c"}).then(was_reset{});
  BOOST_TEST(os.str().rfind("failed: when Reset {\"id\":\"c\"}", 0) == 0u, os.str());
  std::ostringstream ok;
  ok << given<counter>().when(reset{"c"}).then_nothing();
  BOOST_TEST(ok.str().rfind("passed", 0) == 0u, ok.str());
}

BOOST_AUTO_TEST_SUITE_END()

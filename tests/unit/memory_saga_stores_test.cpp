// What the conformance suite cannot check on a shared store: the memory saga and deadline stores
// never complete inline, an empty store has no next deadline, statuses keep their stored names.
#include <mink/messaging/errc.hpp>
#include <mink/persistence/memory_deadline_store.hpp>
#include <mink/persistence/memory_saga_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace mink::persistence;
using time_point = std::chrono::system_clock::time_point;

struct stores {
  asio::io_context ioc;
  memory_saga_store sagas{ioc.get_executor()};
  memory_deadline_store deadlines{ioc.get_executor()};

  void poll() {
    ioc.restart();
    ioc.poll();
  }
};

saga_state saga(const std::string& id) {
  saga_state s;
  s.saga_id = id;
  s.saga_type = "Fulfilment";
  s.correlation_id = "O-1";
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(memory_saga_stores)

BOOST_FIXTURE_TEST_CASE(complete_outside_the_initiating_call, stores) {
  // Initiated from a handler on the completion's own io_context, where an executor may run a
  // function at once unless told not to; failures as well as successes.
  int completed = 0;
  bool inline_completion = false;
  auto count = [&](error_code, auto&&) { ++completed; };
  asio::post(ioc, [&] {
    sagas.async_save(saga("S-1"), 0, count);
    sagas.async_save(saga(""), 0, count);
    sagas.async_find("S-1", count);
    sagas.async_find_by_correlation("O-1", count);
    sagas.async_find_instance("Fulfilment", "O-1", count);
    sagas.async_count_by_status("", count);
    deadlines.async_schedule("S-1", std::chrono::system_clock::now(), {}, count);
    deadlines.async_schedule("", std::chrono::system_clock::now(), {}, count);
    deadlines.async_claim_due(std::chrono::system_clock::now(), 10, count);
    deadlines.async_cancel("S-1", count);
    deadlines.async_next_due(count);
    inline_completion = completed != 0;
  });
  poll();
  BOOST_TEST(!inline_completion);
  BOOST_TEST(completed == 11);
}

BOOST_FIXTURE_TEST_CASE(next_due_is_the_earliest_unfired, stores) {
  std::optional<time_point> next = time_point{};
  auto read_next = [&] {
    deadlines.async_next_due([&](error_code ec, std::optional<time_point> t) {
      BOOST_TEST(!ec);
      next = t;
    });
    poll();
  };
  read_next();
  BOOST_TEST(!next.has_value());

  const auto now = std::chrono::system_clock::now();
  const auto in_a_minute = std::chrono::floor<std::chrono::microseconds>(now + std::chrono::minutes(1));
  deadlines.async_schedule("S-1", now + std::chrono::hours(1), {}, [](error_code, std::int64_t) {});
  deadlines.async_schedule("S-2", in_a_minute, {}, [](error_code, std::int64_t) {});
  read_next();
  BOOST_TEST((next == in_a_minute));

  std::uint64_t cancelled = 0;
  deadlines.async_cancel("S-2", [&](error_code, std::uint64_t n) { cancelled = n; });
  poll();
  BOOST_TEST(cancelled == 1u);
  read_next();
  BOOST_TEST((next == std::chrono::floor<std::chrono::microseconds>(now + std::chrono::hours(1))));
}

BOOST_AUTO_TEST_CASE(statuses_keep_their_stored_names) {
  // The names are in the database: renaming one would orphan stored sagas.
  BOOST_TEST(to_string(saga_status::started) == "started");
  BOOST_TEST(to_string(saga_status::compensated) == "compensated");
  BOOST_TEST(to_string(step_status::pending) == "pending");
  BOOST_TEST(to_string(step_status::compensating) == "compensating");
  for (auto s : all_saga_statuses) BOOST_TEST((saga_status_from_string(to_string(s)) == s));
  BOOST_TEST(!saga_status_from_string("pending").has_value());
  BOOST_TEST(!step_status_from_string("started").has_value());
  BOOST_TEST(!saga_status_from_string("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

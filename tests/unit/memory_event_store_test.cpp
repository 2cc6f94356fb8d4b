#include "event_store_conformance.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/persistence/memory_event_store.hpp>
#include <mink/persistence/memory_checkpoint_store.hpp>
#include <mink/persistence/memory_deadline_store.hpp>
#include <mink/persistence/memory_saga_store.hpp>
#include <mink/persistence/memory_snapshot_store.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/string.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using memory_store = mink::persistence::memory_event_store;
using mink::errc;
using mink::event_data;
using mink::expected_version;
using mink::log_position;
using mink::persistence::append_result;
using mink::persistence::read_all_filter;
using mink::persistence::read_all_result;
using mink::persistence::read_direction;

/// An io_context and a fresh memory store; run() drives the context with a deadline.
class memory_harness : public mink::test::store_harness {
 public:
  explicit memory_harness(std::size_t max_event_bytes = mink::persistence::default_max_event_bytes)
      : store_(ioc_.get_executor(), max_event_bytes), snapshots_(ioc_.get_executor()),
        sagas_(ioc_.get_executor()), deadlines_(ioc_.get_executor()) {}

  mink::persistence::event_store& store() override { return store_; }
  mink::persistence::snapshot_store& snapshots() override { return snapshots_; }
  mink::persistence::checkpoint_store& checkpoints() override { return store_.checkpoints(); }
  mink::persistence::idempotency_store& idempotency() override { return store_.idempotency(); }
  mink::persistence::saga_store& sagas() override { return sagas_; }
  mink::persistence::deadline_store& deadlines() override { return deadlines_; }
  asio::io_context& context() override { return ioc_; }
  memory_store& memory() { return store_; }

  void run(std::function<asio::awaitable<void>()> test) override {
    bool done = false;
    std::exception_ptr failure;
    asio::co_spawn(ioc_, test(), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!done && std::chrono::steady_clock::now() < until) {
      if (ioc_.stopped()) ioc_.restart();
      ioc_.run_one_for(until - std::chrono::steady_clock::now());
    }
    BOOST_REQUIRE_MESSAGE(done, "the test did not finish before its deadline");
    if (failure) std::rethrow_exception(failure);
  }

  std::string unique_stream(const std::string& category = "Order") override {
    return mink::test::make_unique_stream(category, ++streams_);
  }

  /// Runs the handlers that are ready, as a deterministic unit test does.
  void poll() {
    ioc_.restart();
    ioc_.poll();
  }

 private:
  asio::io_context ioc_;
  memory_store store_;
  mink::persistence::memory_snapshot_store snapshots_;
  mink::persistence::memory_saga_store sagas_;
  mink::persistence::memory_deadline_store deadlines_;
  std::uint64_t streams_ = 0;
};

std::vector<event_data> events_of(std::size_t count, const std::string& type = "Created") {
  std::vector<event_data> events(count);
  for (auto& e : events) e.type = type;
  return events;
}

/// Appends synchronously (driving the context), requiring `want`.
append_result append(memory_harness& h, const std::string& stream, std::vector<event_data> events,
                     expected_version expected = expected_version::any(), errc want = {}) {
  error_code ec;
  append_result result;
  h.store().async_append(stream, expected, std::move(events), [&](error_code e, append_result r) {
    ec = e;
    result = std::move(r);
  });
  h.poll();
  BOOST_TEST(ec == (want == errc{} ? error_code{} : make_error_code(want)));
  return result;
}

read_all_result read_all(memory_harness& h, log_position after, std::size_t max_count, read_all_filter filter = {}) {
  read_all_result result;
  h.store().async_read_all(after, max_count, std::move(filter), [&](error_code ec, read_all_result r) {
    BOOST_TEST(!ec);
    result = std::move(r);
  });
  h.poll();
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(memory_event_store)

MINK_EVENT_STORE_CONFORMANCE_CASES(memory_harness)

BOOST_FIXTURE_TEST_CASE(completes_outside_the_initiating_call, memory_harness) {
  // Successes and immediate failures alike: a caller may hold a lock or be mid-update when it
  // initiates, so a handler must never run inside the call.
  int completed = 0;
  auto count = [&](error_code, auto&&) { ++completed; };
  store().async_append("Order-1", expected_version::any(), events_of(1), count);
  store().async_append("", expected_version::any(), events_of(1), count);
  store().async_read_stream("Order-1", 1, 10, read_direction::forward, count);
  store().async_read_stream("Order-1", 0, 10, read_direction::forward, count);
  store().async_read_all(log_position::start(), 10, {}, count);
  store().async_stream_info("Order-2", count);
  BOOST_TEST(completed == 0);
  poll();
  BOOST_TEST(completed == 6);
}

BOOST_FIXTURE_TEST_CASE(completes_outside_a_call_made_on_its_own_executor, memory_harness) {
  // The usual case in a coroutine: initiated from a handler running on the completion's own
  // io_context, where an executor may run a function at once unless told not to.
  int completed = 0;
  bool inline_completion = false;
  auto count = [&](error_code, auto&&) { ++completed; };
  asio::post(context(), [&] {
    store().async_append("Order-1", expected_version::any(), events_of(1), count);
    store().async_append("Order-1", expected_version::exact(9), events_of(1), count);
    store().async_read_stream("Order-1", 1, 10, read_direction::forward, count);
    store().async_read_all(log_position::start(), 10, {}, count);
    store().async_stream_info("Order-1", count);
    inline_completion = completed != 0;
  });
  poll();
  BOOST_TEST(!inline_completion);
  BOOST_TEST(completed == 5);
}

BOOST_FIXTURE_TEST_CASE(completes_on_the_handlers_executor, memory_harness) {
  asio::io_context other;
  bool completed = false;
  store().async_append("Order-1", expected_version::any(), events_of(1),
                       asio::bind_executor(other, [&](error_code ec, append_result) { completed = !ec; }));
  poll();
  BOOST_TEST(!completed);
  other.poll();
  BOOST_TEST(completed);
}

BOOST_FIXTURE_TEST_CASE(positions_and_transactions_count_from_one, memory_harness) {
  const auto first = append(*this, "Order-1", events_of(2));
  BOOST_TEST(first.positions == (std::vector<std::int64_t>{1, 2}));
  BOOST_TEST(first.transaction_id == 1u);
  // A failed append takes no position and no transaction.
  append(*this, "Order-1", events_of(3), expected_version::no_stream(), errc::wrong_expected_version);
  const auto second = append(*this, "Order-2", events_of(1));
  BOOST_TEST(second.positions == (std::vector<std::int64_t>{3}));
  BOOST_TEST(second.transaction_id == 2u);

  const auto all = read_all(*this, log_position::start(), 100);
  BOOST_TEST_REQUIRE(all.events.size() == 3u);
  BOOST_TEST(all.events[2].stream_id == "Order-2");
  BOOST_TEST((all.next == log_position{2, 3}));
  const auto none = read_all(*this, all.next, 100);
  BOOST_TEST(none.events.empty());
  BOOST_TEST((none.next == all.next));
}

BOOST_FIXTURE_TEST_CASE(next_is_the_last_scanned_event, memory_harness) {
  append(*this, "Order-1", events_of(1));
  append(*this, "Invoice-1", events_of(2));
  read_all_filter orders;
  orders.categories = {"Order"};
  // The page is not full: everything up to the log's end was scanned.
  auto r = read_all(*this, log_position::start(), 10, orders);
  BOOST_TEST(r.events.size() == 1u);
  BOOST_TEST((r.next == log_position{2, 3}));
  // The page is full: the scan stopped at its last event.
  r = read_all(*this, log_position::start(), 1, orders);
  BOOST_TEST((r.next == log_position{1, 1}));
  // In the middle of one transaction.
  r = read_all(*this, log_position{2, 2}, 10);
  BOOST_TEST(r.events.size() == 1u);
  BOOST_TEST(r.events.at(0).position == 3);
}

BOOST_AUTO_TEST_CASE(honours_its_max_event_bytes) {
  // The limit covers the serialized data ("x..." with its quotes) plus metadata ({}).
  memory_harness h(64);
  auto sized = [](std::size_t n) {
    auto events = events_of(1);
    events[0].data = boost::json::string(std::string(n, 'x'));
    return events;
  };
  append(h, "Order-1", sized(60));
  append(h, "Order-1", sized(61), expected_version::any(), errc::event_too_large);
}

BOOST_AUTO_TEST_CASE(appends_from_many_threads) {
  // The store is called from four threads while two others run its completions.
  asio::io_context ioc;
  memory_store store(ioc.get_executor());
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> runners;
  for (int i = 0; i < 2; ++i) runners.emplace_back([&] { ioc.run(); });
  std::vector<std::thread> writers;
  std::vector<std::vector<std::int64_t>> positions(4);
  for (std::size_t w = 0; w < positions.size(); ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 250; ++i) {
        const auto r =
            store.async_append("Order-1", expected_version::any(), events_of(1), asio::use_future).get();
        positions[w].push_back(r.positions.at(0));
      }
    });
  }
  for (auto& t : writers) t.join();
  auto info = store.async_stream_info("Order-1", asio::use_future).get();
  auto events = store.async_read_stream("Order-1", 1, 2000, read_direction::forward, asio::use_future).get();
  work.reset();
  for (auto& t : runners) t.join();

  BOOST_TEST(info.version == 1000u);
  BOOST_TEST_REQUIRE(events.size() == 1000u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    BOOST_TEST(events[i].version == i + 1);
    BOOST_TEST(events[i].position == static_cast<std::int64_t>(i + 1));
  }
  for (const auto& p : positions) BOOST_TEST(std::is_sorted(p.begin(), p.end()));
}

BOOST_AUTO_TEST_SUITE_END()

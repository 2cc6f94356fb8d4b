#pragma once
// What the projection_runner unit tests share: a memory_event_store, a test projection whose
// batches can be made to fail, and a runner started and stopped around each case.
#include "run_until.hpp"

#include <mink/actors/projection_runner.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/persistence/memory_event_store.hpp>
#include <mink/persistence/memory_projection.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>


namespace projection_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using mink::errc;
using runner_type = mink::actors::projection_runner;
using mink::actors::projection_runner_params;
using mink::actors::projection_state;
using mink::persistence::apply_result;
using mink::persistence::checkpoint;
using mink::persistence::projection_target;
using mink::test::run_until;

struct tally {
  std::vector<std::int64_t> seen;  ///< data.n of each applied event, in order
};

/// A projection in front of a memory_projection: counts batches, fails chosen ones as a lost
/// connection would (no failing index), and can hold the shadow's batches back.
class test_projection final : public mink::persistence::projection {
 public:
  explicit test_projection(mink::persistence::memory_projection<tally>& inner) : inner_(inner) {}

  std::vector<std::size_t> live_batches;  ///< Sizes of the live batches that were committed.
  int fail_next = 0;                      ///< Fail this many batches (any target) without an index,
  error_code fail_with = errc::invalid_value;  ///< with this error.
  bool hold_shadow = false;
  std::size_t held() const noexcept { return held_.size(); }
  void release() {
    hold_shadow = false;
    auto held = std::move(held_);
    held_.clear();
    for (auto& h : held) std::move(h)();
  }

  const std::string& name() const noexcept override { return inner_.name(); }
  mink::persistence::read_all_filter filter() const override { return inner_.filter(); }

 protected:
  void do_prepare(done_handler h) override { inner_.async_prepare(std::move(h)); }
  void do_load_checkpoint(load_handler h) override { inner_.async_load_checkpoint(std::move(h)); }
  void do_apply(projection_target t, std::vector<mink::recorded_event> events, checkpoint cp,
                apply_handler h) override {
    if (fail_next > 0 && !events.empty()) {
      --fail_next;
      std::vector<mink::recorded_event> none;
      // Completes through the inner projection's executor with a connection-like failure.
      inner_.async_apply(projection_target::shadow, std::move(none), cp,
                         [h = std::move(h), ec = fail_with](error_code, apply_result) mutable {
                           std::move(h)(ec, apply_result{});
                         });
      return;
    }
    if (t == projection_target::shadow && hold_shadow) {
      held_.emplace_back([this, t, e = std::move(events), c = std::move(cp), h = std::move(h)]() mutable {
        inner_.async_apply(t, std::move(e), std::move(c), std::move(h));
      });
      return;
    }
    const auto n = events.size();
    inner_.async_apply(t, std::move(events), std::move(cp),
                       [this, t, n, h = std::move(h)](error_code ec, apply_result r) mutable {
                         if (!ec && t == projection_target::live && n > 0) live_batches.push_back(n);
                         std::move(h)(ec, std::move(r));
                       });
  }
  void do_begin_rebuild(done_handler h) override { inner_.async_begin_rebuild(std::move(h)); }
  void do_finish_rebuild(checkpoint cp, done_handler h) override {
    inner_.async_finish_rebuild(std::move(cp), std::move(h));
  }

 private:
  mink::persistence::memory_projection<tally>& inner_;
  std::vector<asio::any_completion_handler<void()>> held_;
};

struct fixture {
  asio::io_context ioc;
  mink::persistence::memory_event_store store{ioc.get_executor()};
  mink::persistence::memory_projection<tally> inner{ioc.get_executor(), "tally"};
  test_projection proj{inner};
  std::int64_t factor = 1;                  ///< Multiplies data.n (a handler "fix" for rebuilds).
  std::optional<std::int64_t> poison;       ///< The handler fails on this n.
  std::vector<std::int64_t> positions;      ///< Global position of each appended "Added".
  std::vector<std::string> event_ids;

  fixture() {
    inner.on("Added", [this](const mink::recorded_event& e, tally& t) -> error_code {
      const auto n = e.data.as_object().at("n").as_int64();
      if (poison && *poison == n) return errc::invalid_event_data;
      t.seen.push_back(n * factor);
      return {};
    });
  }

  static projection_runner_params fast() {
    projection_runner_params p;
    p.poll_interval = 20ms;
    p.retry_initial = 1ms;
    p.retry_max = 4ms;
    p.max_attempts = 3;
    return p;
  }

  void append(const std::string& type, std::int64_t n) {
    std::vector<mink::event_data> events(1);
    events[0].type = type;
    events[0].data = boost::json::value{{"n", n}};
    bool done = false;
    store.async_append("Tally-1", mink::expected_version::any(), std::move(events),
                       [&](error_code ec, mink::persistence::append_result r) {
                         BOOST_TEST(!ec);
                         if (type == "Added") positions.push_back(r.positions.at(0));
                         done = true;
                       });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done; }));
  }
  void append_added(std::int64_t from, std::int64_t to) {
    for (auto n = from; n <= to; ++n) append("Added", n);
  }
  std::vector<std::int64_t> seen() const { return inner.state().seen; }
  static std::vector<std::int64_t> range(std::int64_t from, std::int64_t to, std::int64_t f = 1) {
    std::vector<std::int64_t> out;
    for (auto n = from; n <= to; ++n) out.push_back(n * f);
    return out;
  }
};

/// Starts `runner` and, at the end of the scope, cancels it and checks that it finishes.
struct running {
  fixture& f;
  runner_type& runner;
  bool finished = false;
  error_code result;
  running(fixture& fx, runner_type& r) : f(fx), runner(r) {
    runner.async_run([this](error_code ec) {
      result = ec;
      finished = true;
    });
  }
  ~running() {
    runner.cancel();
    BOOST_TEST(run_until(f.ioc, [this] { return finished; }));
    BOOST_TEST(!result);
  }
};

}  // namespace projection_test

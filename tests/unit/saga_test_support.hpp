#pragma once
// What the saga tests share: the memory stores, a saga store that remembers every save, a saga
// manager started and stopped under a bound, and helpers to append and to look.

#include "run_until.hpp"

#include <mink/actors/saga_manager.hpp>
#include <mink/messaging/command_bus.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/persistence/memory_checkpoint_store.hpp>
#include <mink/persistence/memory_deadline_store.hpp>
#include <mink/persistence/memory_event_store.hpp>
#include <mink/persistence/memory_saga_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace saga_test {

namespace asio = boost::asio;
using boost::system::error_code;
using mink::persistence::saga_state;
using mink::persistence::saga_status;
using mink::persistence::step_status;
using mink::test::run_until;
using namespace std::chrono_literals;

/// A memory saga store that keeps a copy of every successful save, in order.
class recording_saga_store final : public mink::persistence::saga_store {
 public:
  explicit recording_saga_store(asio::any_io_executor ex) : inner_(ex) {}
  std::vector<saga_state> saves;

 protected:
  void do_save(saga_state s, std::uint64_t expected, save_handler handler) override {
    auto copy = s;
    inner_.async_save(std::move(s), expected,
                      [this, copy = std::move(copy), h = std::move(handler)](error_code ec, std::uint64_t v) mutable {
                        if (!ec) {
                          copy.version = v;
                          saves.push_back(copy);
                        }
                        std::move(h)(ec, v);
                      });
  }
  void do_find(std::string id, find_handler handler) override { inner_.async_find(std::move(id), std::move(handler)); }
  void do_find_by_correlation(std::string c, list_handler handler) override {
    inner_.async_find_by_correlation(std::move(c), std::move(handler));
  }
  void do_find_instance(std::string t, std::string c, find_handler handler) override {
    inner_.async_find_instance(std::move(t), std::move(c), std::move(handler));
  }
  void do_count_by_status(std::string t, count_handler handler) override {
    inner_.async_count_by_status(std::move(t), std::move(handler));
  }

 private:
  mink::persistence::memory_saga_store inner_;
};

/// The stores, a bus (the test registers its handlers) and a saga manager that can be stopped and
/// replaced by a fresh one on the same stores (a restart).
struct saga_fixture {
  asio::io_context ioc;
  mink::persistence::memory_event_store events{ioc.get_executor()};
  recording_saga_store sagas{ioc.get_executor()};
  mink::persistence::memory_deadline_store deadlines{ioc.get_executor()};
  mink::persistence::memory_checkpoint_store checkpoints{ioc.get_executor()};
  std::unique_ptr<mink::actors::saga_manager> manager;
  bool running = false;
  mink::actors::saga_manager_params manager_params = fast();  ///< For the next start().

  static mink::actors::saga_manager_params fast() {
    mink::actors::saga_manager_params p;
    p.poll_interval = 10ms;
    p.retry_delay = 10ms;
    return p;
  }

  /// A fresh manager with `defs`, running.
  void start(mink::command_bus& bus, std::vector<mink::actors::saga_definition> defs) {
    manager = std::make_unique<mink::actors::saga_manager>(ioc.get_executor(), events, sagas, deadlines, checkpoints,
                                                           bus, manager_params);
    for (auto& d : defs) BOOST_REQUIRE(!manager->add(std::move(d)));
    running = true;
    manager->async_run([this](error_code ec) {
      BOOST_TEST(!ec);
      running = false;
    });
  }

  void stop() {
    if (!manager) return;
    manager->cancel();
    BOOST_REQUIRE(run_until(ioc, [&] { return !running; }));
    manager.reset();
  }

  ~saga_fixture() {
    if (running && manager) {
      manager->cancel();
      run_until(ioc, [&] { return !running; });
    }
  }

  void append(const std::string& stream, const std::string& type, boost::json::object data) {
    bool done = false;
    std::vector<mink::event_data> batch(1);
    batch[0].type = type;
    batch[0].data = std::move(data);
    events.async_append(stream, mink::expected_version::any(), std::move(batch),
                        [&](error_code ec, mink::persistence::append_result) {
                          BOOST_TEST(!ec);
                          done = true;
                        });
    BOOST_REQUIRE(run_until(ioc, [&] { return done; }));
  }

  std::optional<saga_state> find(const std::string& saga_id) {
    bool done = false;
    std::optional<saga_state> out;
    sagas.async_find(saga_id, [&](error_code ec, std::optional<saga_state> s) {
      BOOST_TEST(!ec);
      out = std::move(s);
      done = true;
    });
    BOOST_REQUIRE(run_until(ioc, [&] { return done; }));
    return out;
  }

  /// Runs until the saga exists with `status` (bounded); false if it never did.
  bool wait_for_status(const std::string& saga_id, saga_status status,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto s = find(saga_id); s && s->status == status) return true;
      run_until(ioc, [] { return false; }, 5ms);
    }
    return false;
  }

  /// Lets the manager work for `d` (to show that nothing more happens).
  void settle(std::chrono::milliseconds d) { run_until(ioc, [] { return false; }, d); }

  std::vector<mink::recorded_event> stream(const std::string& id) {
    std::optional<std::vector<mink::recorded_event>> out;
    events.async_read_stream(id, 1, 1000, mink::persistence::read_direction::forward,
                             [&](error_code ec, std::vector<mink::recorded_event> page) {
                               BOOST_TEST((!ec || ec == mink::errc::stream_not_found));
                               out = std::move(page);
                             });
    BOOST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
    return *out;
  }

  std::size_t count_of(const std::string& stream_id, const std::string& type) {
    std::size_t n = 0;
    for (const auto& e : stream(stream_id)) n += e.type == type ? 1 : 0;
    return n;
  }
};

}  // namespace saga_test

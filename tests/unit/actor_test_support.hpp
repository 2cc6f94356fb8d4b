#pragma once
// What the actor runtime's tests share: a counting actor, a registry fixture, bounded run loops and
// a gate that holds a message in flight until the test opens it.

#include <mink/actors/actor_registry.hpp>
#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include "run_until.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace actor_test {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

/// Counts the messages it handled; reports its destruction (actors may go on any runner thread).
struct counter {
  counter(std::string k, std::atomic<int>& destroyed_count) : key(std::move(k)), destroyed(&destroyed_count) {}
  counter(const counter&) = delete;
  counter& operator=(const counter&) = delete;
  ~counter() { ++*destroyed; }

  std::string key;
  int handled = 0;
  std::atomic<int>* destroyed;
};

using mink::test::run_until;

/// Runs whatever is ready now.
inline void poll(asio::io_context& ioc) {
  ioc.restart();
  ioc.poll();
}

/// A message's work waits on the gate until the test opens it.
struct gate {
  explicit gate(asio::io_context& ioc) : timer(ioc, asio::steady_timer::time_point::max()) {}
  asio::awaitable<void> wait() { co_await timer.async_wait(asio::as_tuple(asio::use_awaitable)); }
  void open() {
    timer.expires_at(asio::steady_timer::time_point::min());  // later waits pass at once
  }
  asio::steady_timer timer;
};

/// A registry of counters on a single-threaded io_context.
struct registry_fixture {
  using registry_type = mink::actors::actor_registry<counter>;

  asio::io_context ioc;
  std::atomic<int> made = 0;
  std::atomic<int> destroyed = 0;
  std::optional<registry_type> registry;

  explicit registry_fixture(mink::actors::registry_params params = {}) { make_registry(params); }

  void make_registry(mink::actors::registry_params params) {
    registry.emplace(ioc.get_executor(), params, [this](const std::string& key) {
      ++made;
      return std::make_unique<counter>(key, destroyed);
    });
  }

  /// Sends a message that counts itself and completes with the actor's new count.
  void count(const std::string& key, std::optional<int>& result, error_code& ec) {
    registry->async_ask<int>(
        key, [](counter& c) -> asio::awaitable<int> { co_return ++c.handled; },
        [&result, &ec](error_code e, int n) {
          ec = e;
          result = n;
        });
  }
};

}  // namespace actor_test

// mink-actor-tour: keyed actors with a bounded mailbox, a failing message, and a shutdown that
// drains. The snippets in docs/actors.md are taken from this file. Needs no database.

#include <mink/actors/actor_registry.hpp>
#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

// [actor]
// One per key, made on activation, destroyed on passivation. Only one message touches it at a time.
struct account {
  std::string id;
  long balance = 0;
};

using account_registry = mink::actors::actor_registry<account>;
// [actor]

// [deposit]
asio::awaitable<long> deposit(account_registry& accounts, std::string id, long amount) {
  // The work runs on the actor's strand; the next message to this account starts when it is done,
  // including its own co_awaits.
  long balance = co_await accounts.async_ask<long>(
      std::move(id),
      [amount](account& a) -> asio::awaitable<long> {
        if (amount <= 0) throw std::invalid_argument("deposit must be positive");
        asio::steady_timer io(co_await asio::this_coro::executor, 1ms);  // stands in for real I/O
        co_await io.async_wait(asio::use_awaitable);
        a.balance += amount;
        co_return a.balance;
      },
      asio::use_awaitable);
  co_return balance;
}
// [deposit]

asio::awaitable<void> tour(account_registry& accounts) {
  long balance = co_await deposit(accounts, "A-1", 100);
  std::cout << "A-1 balance " << balance << '\n';
  balance = co_await deposit(accounts, "A-1", 50);
  std::cout << "A-1 balance " << balance << '\n';
  // [errors]
  try {
    co_await deposit(accounts, "A-1", -5);
  } catch (const boost::system::system_error& e) {
    // The work threw: errc::unhandled_exception for this message only; the actor lives on.
    std::cout << "rejected deposit: " << e.code().message() << '\n';
  }
  // [errors]
  balance = co_await deposit(accounts, "A-1", 1);
  std::cout << "A-1 balance " << balance << '\n';
  auto s = accounts.stats();
  std::cout << "active " << s.active << ", activations " << s.activations << '\n';
  // [shutdown]
  co_await accounts.async_shutdown(asio::use_awaitable);  // drains what was accepted, passivates all
  auto [ec, ignored] = co_await accounts.async_ask<long>(
      "A-1", [](account& a) -> asio::awaitable<long> { co_return a.balance; }, asio::as_tuple(asio::use_awaitable));
  std::cout << "after shutdown: " << ec.message() << '\n';  // errc::shutting_down
  // [shutdown]
  std::cout << "passivations " << accounts.stats().passivations << " (result " << ignored << ")\n";
}

int main() {
  // [registry]
  asio::io_context ioc;
  mink::actors::registry_params params;
  params.actor.mailbox_capacity = 64;
  params.actor.overflow = mink::actors::overflow_policy::reject;  // errc::mailbox_full when full
  params.idle_timeout = std::chrono::minutes(10);
  params.max_active = 10000;
  account_registry accounts(ioc.get_executor(), params, [](const std::string& id) {
    auto a = std::make_unique<account>();  // a real one would load its state here
    a->id = id;
    return a;
  });
  // [registry]
  bool ok = false;
  asio::co_spawn(ioc, tour(accounts), [&](std::exception_ptr ep) { ok = !ep; });
  ioc.run();
  return ok ? 0 : 1;
}

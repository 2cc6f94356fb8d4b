// mink inside an application's own io_context: one command bus, the account aggregate as actors,
// and the three ways to wait for a command: a callback, co_await with use_awaitable, use_future.
#include "account.hpp"

#include <mink/actors/aggregate_router.hpp>
#include <mink/messaging/command_bus.hpp>
#include <mink/messaging/correlation_middleware.hpp>
#include <mink/messaging/recovery_middleware.hpp>
#include <mink/messaging/validation_middleware.hpp>
#include <mink/persistence/idempotency_middleware.hpp>
#include <mink/persistence/memory_event_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <future>
#include <iostream>
#include <thread>

namespace asio = boost::asio;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "  ok    " : "  FAIL  ") << what << '\n';
  if (!ok) ++failures;
}

}  // namespace

int main() {
  asio::io_context ioc;

  // The stores (in memory here; pg_event_store on a connection_pool works the same way).
  mink::persistence::memory_event_store store(ioc.get_executor());

  // The bus: middleware outer to inner, then the account actors.
  mink::command_bus bus(ioc.get_executor());
  bus.use(std::make_shared<mink::recovery_middleware>())
      .use(std::make_shared<mink::validation_middleware>())
      .use(std::make_shared<mink::correlation_id_middleware>())
      .use(std::make_shared<mink::causation_id_middleware>())
      .use(std::make_shared<mink::persistence::idempotency_middleware>(store.idempotency()));
  mink::actors::aggregate_router<bank::account> accounts(ioc.get_executor(), {&store, nullptr});
  if (auto ec = accounts.route<bank::open_account, bank::deposit>(bus)) {
    std::cerr << "routing failed: " << ec.message() << '\n';
    return 1;
  }

  // The application's own thread runs the io_context; main() plays the caller. (Actor registries
  // keep timers while actors are active, so run() returns only after shutdown.)
  auto guard = asio::make_work_guard(ioc);
  std::thread runner([&] { ioc.run(); });

  // 1. A callback.
  std::cout << "callback:\n";
  std::promise<void> called;
  bus.async_dispatch(bank::open_account{"A-1", "Ada"}, {}, [&](boost::system::error_code ec, mink::dispatch_result r) {
    check(!ec && r.stream_id == "Account-A-1" && r.version == 1, "opened Account-A-1 at version 1");
    called.set_value();
  });
  called.get_future().wait();

  // 2. A coroutine with use_awaitable.
  std::cout << "use_awaitable:\n";
  std::future<void> coroutine_done = asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        // Commands are named before the co_await: GCC 12 mishandles brace-initialised
        // temporaries inside a co_await expression.
        bank::deposit first_deposit{"A-1", 2500};
        mink::dispatch_options options;
        mink::dispatch_result r = co_await bus.async_dispatch(first_deposit, options, asio::use_awaitable);
        check(r.version == 2, "deposited 25.00 at version 2");
        try {
          bank::deposit to_unopened{"A-2", 100};
          co_await bus.async_dispatch(to_unopened, options, asio::use_awaitable);
          check(false, "a deposit to an unopened account fails");
        } catch (const boost::system::system_error& e) {
          check(e.code().message() == "account not open", "a deposit to an unopened account fails: " + e.code().message());
        }
      },
      asio::use_future);
  coroutine_done.get();

  // 3. use_future.
  std::cout << "use_future:\n";
  std::future<mink::dispatch_result> f = bus.async_dispatch(bank::deposit{"A-1", 500}, {}, asio::use_future);
  check(f.get().version == 3, "deposited 5.00 at version 3");
  std::future<mink::dispatch_result> bad = bus.async_dispatch(bank::deposit{"A-1", -1}, {}, asio::use_future);
  try {
    bad.get();
    check(false, "a negative deposit is refused");
  } catch (const boost::system::system_error& e) {
    check(e.code() == mink::errc::validation_failed, "a negative deposit is refused by validation");
  }

  // Stop the actors (queued commands finish first), then let the thread run out of work.
  accounts.async_shutdown(asio::use_future).get();
  guard.reset();
  runner.join();

  std::cout << (failures ? "FAILED\n" : "all checks passed\n");
  return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

// `idle actors`: the memory an activated order actor holds while idle.
//
// Method. A memory_event_store, so no database and no connection buffers are involved, and an
// aggregate_router<ecommerce::order> behind a command bus without middleware (the pipeline's
// stages hold nothing per aggregate between commands). Each of `count` order ids gets one
// SubmitOrder for an order that was never created: the actor is activated (registry slot, strand,
// mailbox, the aggregate_actor with its order_state), hydrates from the store (the stream does not
// exist), and decide answers "order not created", so nothing is appended: the store does not grow
// with the actors. To show that rather than assume it, the same number of hydrate reads is first
// made against the store with no actors and its heap growth (store_heap_growth, expected 0) is
// subtracted.
//
// Heap bytes in use come from mallinfo2() (uordblks + hblkhd: every arena plus mmapped chunks),
// before and after, with every actor idle (nothing queued or running); resident memory (VmRSS)
// is reported too but also counts pages malloc keeps after freeing. The registry is set so that
// none passivates meanwhile (idle timeout of an hour, max_active above the count), which is
// checked. What is left per actor minus the state itself (sizeof(order_state); an order never
// created has no heap parts: empty strings in their inline buffers, an empty vector) is
// bytes_per_idle_actor: the runtime's own cost, the stream id included (it is kept twice: as the
// registry's key and in the actor).
#include "cb_phases.hpp"

#include <ecommerce/domain/commands.hpp>
#include <ecommerce/domain/order.hpp>
#include <ecommerce/domain/order_errc.hpp>

#include <mink/actors/aggregate_router.hpp>
#include <mink/messaging/command_bus.hpp>
#include <mink/persistence/memory_event_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <malloc.h>

namespace mink::bench {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t feeders = 256;  // concurrent senders: activation is measured, not their stacks

std::int64_t heap_in_use() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

std::int64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmRSS:   1234 kB"
  return 0;
}

std::string order_id(std::size_t n) {
  char id[32];
  std::snprintf(id, sizeof id, "idle-%07zu", n);  // stream id "Order-idle-0000042": 17 characters
  return id;
}

ecommerce::submit_order make_submit(std::size_t n) {
  ecommerce::submit_order s;
  s.order_id = order_id(n);
  return s;
}

// Heap of an order_state beyond its sizeof: what an order never created holds is nothing, but
// counted rather than assumed (a string's inline buffer holds 15 characters).
std::size_t state_heap_bytes(const ecommerce::order_state& s) {
  auto str = [](const std::string& t) { return t.capacity() > 15 ? t.capacity() + 1 : 0; };
  std::size_t n = str(s.order_id) + str(s.customer_id) + str(s.tracking_number) + str(s.cancel_reason);
  n += s.items.capacity() * sizeof(ecommerce::line_item);
  return n;
}

struct shared_count {
  std::size_t next = 0;
  std::size_t end = 0;
  std::uint64_t unexpected = 0;
};

// The store's share: the hydrate read every activation makes, without actors.
asio::awaitable<void> read_only(persistence::memory_event_store& store, std::shared_ptr<shared_count> c) {
  while (c->next < c->end) {
    std::string stream = stream_id_of<ecommerce::order>(order_id(c->next++));
    auto [ec, events] = co_await store.async_read_stream(std::move(stream), 1, 512,
                                                         persistence::read_direction::forward, tuple_awaitable);
    if (ec != errc::stream_not_found || !events.empty()) ++c->unexpected;
  }
}

asio::awaitable<void> activate(command_bus& bus, std::shared_ptr<shared_count> c) {
  while (c->next < c->end) {
    dispatch_options options;
    auto [ec, r] = co_await bus.async_dispatch(make_submit(c->next++), std::move(options), tuple_awaitable);
    if (ec != ecommerce::order_errc::not_created) ++c->unexpected;
  }
}

asio::awaitable<void> shut_down(actors::aggregate_router<ecommerce::order>& router) {
  auto [ignored] = co_await router.async_shutdown(tuple_awaitable);  // always succeeds
  (void)ignored;
}

// Runs `n` coroutines made by make() on `ioc` until all have ended, then whatever is ready.
// run_one_for rather than run(): while actors are idle the registry's sweeper timer is pending, so
// run() would not return.
template <class Make>
void drive(asio::io_context& ioc, std::size_t n, Make make) {
  std::size_t remaining = n;
  std::exception_ptr failure;
  if (ioc.stopped()) ioc.restart();
  for (std::size_t i = 0; i < n; ++i)
    asio::co_spawn(ioc, make(), [&remaining, &failure](std::exception_ptr e) {
      if (e && !failure) failure = e;
      --remaining;
    });
  const auto until = clock::now() + 120s;
  while (remaining > 0 && !ioc.stopped() && clock::now() < until) ioc.run_one_for(1s);
  if (remaining > 0) {  // the coroutines hold references to this frame: they must not outlive it
    std::fprintf(stderr, "idle actors: %zu coroutines hung\n", remaining);
    std::abort();
  }
  ioc.poll();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

double idle_figures::heap_per_actor() const {
  return actors > 0 ? static_cast<double>(heap_growth - store_heap_growth) / static_cast<double>(actors) : 0.0;
}
double idle_figures::rss_per_actor() const {
  return actors > 0 ? static_cast<double>(rss_growth) / static_cast<double>(actors) : 0.0;
}
double idle_figures::beyond_state() const { return heap_per_actor() - static_cast<double>(state_bytes); }

idle_figures run_idle_actors(std::size_t count) {
  using router_type = actors::aggregate_router<ecommerce::order>;
  constexpr std::size_t warmup_actors = 1000;
  idle_figures out;
  out.actors = count;
  const ecommerce::order_state empty;
  out.state_bytes = sizeof(ecommerce::order_state) + state_heap_bytes(empty);
  out.actor_object_bytes = sizeof(router_type::actor_type);

  asio::io_context ioc(1);
  persistence::memory_event_store store(ioc.get_executor());
  actors::aggregate_services services;
  services.events = &store;
  actors::registry_params registry;
  registry.idle_timeout = std::chrono::hours(1);              // none passivates for idleness ...
  registry.max_active = 2 * (count + warmup_actors);        // ... nor for numbers
  actors::aggregate_params aggregate;
  aggregate.snapshot_every = 50;  // as order_service has it (no snapshot store here: never used)
  auto router = std::make_unique<router_type>(ioc.get_executor(), services, registry, aggregate);
  command_bus bus(ioc.get_executor());
  if (const auto ec = router->route<ecommerce::submit_order>(bus)) fail("idle actors: route", ec);

  const std::int64_t heap_at_start = heap_in_use();
  // Warm-up actors (ids above `count`, kept active): first-use allocations of the runtime (the
  // strand service, the bus) land in the baseline, not in the measurement.
  auto c = std::make_shared<shared_count>();
  c->next = count;
  c->end = count + warmup_actors;
  drive(ioc, feeders, [&bus, c] { return activate(bus, c); });

  // The store's share: every hydrate read, without actors.
  c->next = 0;
  c->end = count;
  std::int64_t before = heap_in_use();
  drive(ioc, feeders, [&store, c] { return read_only(store, c); });
  out.store_heap_growth = heap_in_use() - before;

  c->next = 0;
  before = heap_in_use();
  const std::int64_t rss_before = resident_bytes();
  const auto t0 = clock::now();
  drive(ioc, feeders, [&bus, c] { return activate(bus, c); });
  const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
  out.heap_growth = heap_in_use() - before;
  out.rss_growth = resident_bytes() - rss_before;
  out.unexpected = c->unexpected;
  out.activations_per_s = seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
  const auto stats = router->registry().stats();
  out.active_after = stats.active;
  out.passivations = stats.passivations;
  if (stats.mailbox_depth != 0) throw std::runtime_error("idle actors: mail still queued");

  drive(ioc, 1, [&router] { return shut_down(*router); });
  out.heap_after_shutdown = heap_in_use() - heap_at_start;
  return out;
}

}  // namespace mink::bench

#pragma once
// What the aggregate, idempotency and repository tests share: an event store decorator that
// counts, holds or races appends and reads, a tiny decider of our own (a command that throws, one
// that records nothing), and bounded ways to dispatch and wait.

#include <mink/actors/aggregate_router.hpp>
#include <mink/messaging/command_bus.hpp>
#include <mink/messaging/decider.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/persistence/event_store.hpp>
#include <mink/persistence/memory_event_store.hpp>
#include <mink/persistence/memory_snapshot_store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include "run_until.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace aggregate_test {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;
using mink::persistence::append_options;
using mink::persistence::append_result;

using mink::test::run_until;

/// An event_store in front of another: counts stream reads (and remembers where each started),
/// records what each append expected, and on request holds appends until released, or slips an
/// event of "another process" into the stream right before each append.
class test_event_store final : public mink::persistence::event_store {
 public:
  explicit test_event_store(mink::persistence::event_store& inner) : inner_(inner) {}

  int stream_reads = 0;
  std::vector<std::uint64_t> read_from;  ///< The first version asked for by each stream read.
  std::vector<mink::expected_version> expectations;  ///< What each append expected.
  bool hold_appends = false;
  /// Appended (expecting any version) to the same stream before each of the next `interlopes`
  /// appends: another process that always writes first.
  mink::event_data interloper;
  int interlopes = 0;

  std::size_t held() const noexcept { return held_.size(); }

  /// Lets every held append through, and the later ones too.
  void release() {
    hold_appends = false;
    auto held = std::move(held_);
    held_.clear();
    for (auto& h : held) std::move(h)();
  }

 protected:
  void do_append(std::string stream_id, mink::expected_version expected, std::vector<mink::event_data> events,
                 append_options options, append_handler handler) override {
    expectations.push_back(expected);
    if (hold_appends) {
      held_.emplace_back([this, s = std::move(stream_id), expected, ev = std::move(events), o = std::move(options),
                          h = std::move(handler)]() mutable {
        inner_.async_append(std::move(s), expected, std::move(ev), std::move(o), std::move(h));
      });
      return;
    }
    if (interlopes > 0) {
      --interlopes;
      std::vector<mink::event_data> foreign{interloper};
      std::string target = stream_id;
      inner_.async_append(std::move(target), mink::expected_version::any(), std::move(foreign),
                          [this, s = std::move(stream_id), expected, ev = std::move(events), o = std::move(options),
                           h = std::move(handler)](error_code ec, append_result) mutable {
                            BOOST_TEST(!ec);
                            inner_.async_append(std::move(s), expected, std::move(ev), std::move(o), std::move(h));
                          });
      return;
    }
    inner_.async_append(std::move(stream_id), expected, std::move(events), std::move(options), std::move(handler));
  }

  void do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count,
                      mink::persistence::read_direction direction, read_stream_handler handler) override {
    ++stream_reads;
    read_from.push_back(from);
    inner_.async_read_stream(std::move(stream_id), from, max_count, direction, std::move(handler));
  }

  void do_read_all(mink::log_position after, std::size_t max_count, mink::persistence::read_all_filter filter,
                   read_all_handler handler) override {
    inner_.async_read_all(after, max_count, std::move(filter), std::move(handler));
  }

  void do_stream_info(std::string stream_id, stream_info_handler handler) override {
    inner_.async_stream_info(std::move(stream_id), std::move(handler));
  }

  void do_commit(mink::persistence::unit_of_work unit, commit_handler handler) override {
    inner_.async_commit(std::move(unit), std::move(handler));
  }

  void do_log_position_of(std::int64_t position, log_position_handler handler) override {
    inner_.async_log_position_of(position, std::move(handler));
  }

  void do_head_position(head_position_handler handler) override { inner_.async_head_position(std::move(handler)); }

 private:
  mink::persistence::event_store& inner_;
  std::vector<asio::any_completion_handler<void()>> held_;
};

/// Every event of `stream_id` in `store` (none when it does not exist), read by running `ioc`.
inline std::vector<mink::recorded_event> read_stream(asio::io_context& ioc, mink::persistence::event_store& store,
                                                     const std::string& stream_id) {
  std::optional<std::vector<mink::recorded_event>> events;
  store.async_read_stream(stream_id, 1, 1000, mink::persistence::read_direction::forward,
                          [&](error_code ec, std::vector<mink::recorded_event> page) {
                            BOOST_TEST((!ec || ec == mink::errc::stream_not_found));
                            events = std::move(page);
                          });
  BOOST_REQUIRE(run_until(ioc, [&] { return events.has_value(); }));
  return *events;
}

/// One dispatch's answer, once it has arrived.
struct answer {
  bool done = false;
  error_code ec;
  mink::dispatch_result result;
};

/// Starts a dispatch whose answer lands in `out` (which must stay put until it arrives).
template <mink::command C>
void start_dispatch(mink::command_bus& bus, C c, mink::dispatch_options options, answer& out) {
  bus.async_dispatch(std::move(c), std::move(options), [&out](error_code ec, mink::dispatch_result r) {
    out.done = true;
    out.ec = ec;
    out.result = std::move(r);
  });
}

/// Dispatches and runs `ioc` until the answer arrives (bounded).
template <mink::command C>
answer dispatch(asio::io_context& ioc, mink::command_bus& bus, C c, mink::dispatch_options options = {}) {
  answer out;
  start_dispatch(bus, std::move(c), std::move(options), out);
  BOOST_TEST(!out.done);  // never inline
  BOOST_REQUIRE(run_until(ioc, [&] { return out.done; }));
  return out;
}

inline mink::dispatch_options with_command_id(std::string id) {
  mink::dispatch_options o;
  o.command_id = std::move(id);
  return o;
}

// A decider of our own: a counter whose Explode command throws from decide and whose Peek command
// succeeds without events. Each decision is counted, so a test can tell whether a command ran.

struct ticked {
  static constexpr std::string_view type_name = "Ticked";
  std::string counter_id;
  int amount = 0;
};

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const ticked& e) {
  v = {{"counter_id", e.counter_id}, {"amount", e.amount}};
}
inline ticked tag_invoke(boost::json::value_to_tag<ticked>, const boost::json::value& v) {
  return {boost::json::value_to<std::string>(v.at("counter_id")), boost::json::value_to<int>(v.at("amount"))};
}

struct tick {
  static constexpr std::string_view type_name = "Tick";
  std::string counter_id;
  int amount = 1;
  const std::string& aggregate_id() const { return counter_id; }
};
struct explode {
  static constexpr std::string_view type_name = "Explode";
  std::string counter_id;
  const std::string& aggregate_id() const { return counter_id; }
};
struct peek {
  static constexpr std::string_view type_name = "Peek";
  std::string counter_id;
  const std::string& aggregate_id() const { return counter_id; }
};

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const tick& c) {
  v = {{"counter_id", c.counter_id}, {"amount", c.amount}};
}
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const explode& c) {
  v = {{"counter_id", c.counter_id}};
}
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const peek& c) {
  v = {{"counter_id", c.counter_id}};
}

struct counter {
  static constexpr std::string_view category = "Counter";
  struct state_type {
    int total = 0;
  };
  using event_type = std::variant<ticked>;

  static inline int decisions = 0;  ///< Every decide call, whatever its outcome.

  static state_type evolve(state_type s, const event_type& e) {
    s.total += std::get<ticked>(e).amount;
    return s;
  }
  static mink::decision<event_type> decide(const state_type&, const tick& c) {
    ++decisions;
    return std::vector<event_type>{ticked{c.counter_id, c.amount}};
  }
  static mink::decision<event_type> decide(const state_type&, const explode&) {
    ++decisions;
    throw std::runtime_error("explode: decide failed");
  }
  static mink::decision<event_type> decide(const state_type&, const peek&) {
    ++decisions;
    return std::vector<event_type>{};
  }
};

static_assert(mink::decides<counter, tick> && mink::decides<counter, explode> && mink::decides<counter, peek>);

/// Registry settings without the idle sweeper's timer: actors stay until shut down.
inline mink::actors::registry_params never_idle() {
  mink::actors::registry_params p;
  p.idle_timeout = std::chrono::steady_clock::duration::zero();
  return p;
}

/// What an actor holds, read on its own strand (loading it first if it has not yet).
template <class D>
struct actor_view {
  typename D::state_type state{};
  std::uint64_t version = 0;
  error_code load_ec;
};

/// A bus whose terminal stage is an aggregate_router of decider `D` for `Commands`, after the
/// stages in `stages`, over memory stores seen through a test_event_store; single-threaded.
template <class D, class... Commands>
struct router_fixture {
  using router_type = mink::actors::aggregate_router<D>;
  using actor_type = typename router_type::actor_type;

  asio::io_context ioc;
  mink::persistence::memory_event_store memory{ioc.get_executor()};
  mink::persistence::memory_snapshot_store snapshots{ioc.get_executor()};
  test_event_store store{memory};
  std::vector<std::shared_ptr<mink::middleware>> stages;
  std::optional<mink::command_bus> bus;
  std::optional<router_type> router;

  router_fixture() { make_router(); }
  ~router_fixture() { shutdown(); }
  router_fixture(const router_fixture&) = delete;
  router_fixture& operator=(const router_fixture&) = delete;

  /// A fresh bus and router on the same stores (the previous router is shut down first).
  void make_router(mink::actors::registry_params registry = never_idle(), mink::actors::aggregate_params params = {}) {
    shutdown();
    bus.emplace(ioc.get_executor());
    for (const auto& s : stages) bus->use(s);
    router.emplace(ioc.get_executor(), mink::actors::aggregate_services{&store, &snapshots}, registry, params);
    BOOST_REQUIRE(!router->template route<Commands...>(*bus));
  }

  /// Shuts the router down, waits for it and destroys it.
  void shutdown() {
    if (!router) return;
    bool done = false;
    router->async_shutdown([&done](error_code) { done = true; });
    BOOST_TEST(run_until(ioc, [&] { return done; }));
    router.reset();
    bus.reset();
  }

  template <mink::command C>
  answer dispatch(C c, mink::dispatch_options options = {}) {
    return aggregate_test::dispatch(ioc, *bus, std::move(c), std::move(options));
  }

  /// The state and version of the actor of `stream_id`, as it holds them.
  actor_view<D> view(const std::string& stream_id) {
    std::optional<actor_view<D>> out;
    error_code ask_ec;
    auto work = [](actor_type& actor) -> asio::awaitable<actor_view<D>> {
      actor_view<D> v;
      if (!actor.hydrated()) v.load_ec = co_await actor.hydrate();
      v.state = actor.state();
      v.version = actor.version();
      co_return v;
    };
    router->registry().template async_ask<actor_view<D>>(stream_id, std::move(work),
                                                         [&](error_code ec, actor_view<D> v) {
                                                           ask_ec = ec;
                                                           out = std::move(v);
                                                         });
    BOOST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
    BOOST_TEST(!ask_ec);
    BOOST_TEST(!out->load_ec);
    return *out;
  }

  std::vector<mink::recorded_event> events(const std::string& stream_id) { return read_stream(ioc, memory, stream_id); }
};

}  // namespace aggregate_test

// The `read mink` phase (one caller reading a 20-event stream), the schema migration and the read
// stream's seed. The `append` phase is in bench/support (append_phase.cpp).
#include "es_phases.hpp"
#include "store_session.hpp"

#include <mink/persistence/schema.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace mink::bench {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::pg_event_store;
using persistence::read_direction;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

void check_page(const std::vector<recorded_event>& events) {
  if (events.size() != read_stream_events || events.back().version != read_stream_events)
    throw std::runtime_error("read mink: " + std::to_string(events.size()) + " events, expected " +
                             std::to_string(read_stream_events));
}

asio::awaitable<void> prepare(store_session& s, std::string stream) {
  auto [mec, version] = co_await persistence::async_migrate(s.pool(), tuple_awaitable);
  if (mec) fail("async_migrate", mec, last_connect_failure(s.pool()));
  auto events = bench_events(0, read_stream_events);
  auto [ec, r] = co_await s.store().async_append(stream, expected_version::no_stream(), std::move(events),
                                                 tuple_awaitable);
  if (ec) fail("seeding the read stream: async_append", ec, r.conflict_message());
  check_appended("seeding the read stream", r, read_stream_events);
}

asio::awaitable<void> read_caller(pg_event_store& store, state_ptr st, std::string stream) {
  while (st->more()) {
    auto [ec, events] = co_await store.async_read_stream(stream, 1, 100, read_direction::forward, tuple_awaitable);
    if (ec) fail("read mink: async_read_stream", ec);
    check_page(events);
    ++st->ops;
  }
}

}  // namespace

void prepare_store(const std::string& conninfo, const std::string& stream) {
  store_session session(conninfo, 2);
  auto make = [&session, &stream](state_ptr, std::size_t) { return prepare(session, stream); };
  session.timed_run("prepare", 1, clock::duration::zero(), make);
}

throughput run_mink_read(const phase_env& env, const std::string& stream) {
  store_session session(env.conninfo, store_pool_size);
  auto make = [&session, &stream](state_ptr st, std::size_t) {
    return read_caller(session.store(), std::move(st), stream);
  };
  session.timed_run("read mink", 1, warmup_time, make);
  return figures(session.timed_run("read mink", 1, env.measure, make, env.server));
}

}  // namespace mink::bench

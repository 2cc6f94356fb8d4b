// The `append` phase through mink: many callers, one event each to a new stream.
#include "append_phase.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace mink::bench {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::pg_event_store;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string stream_name(const std::string& prefix, std::size_t caller, std::uint64_t seq) {
  return prefix + std::to_string(caller) + "-" + std::to_string(seq);
}

void record_append(run_state& st, clock::duration latency, std::uint64_t transaction_id) {
  ++st.ops;
  st.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count());
  ++st.batches[transaction_id];
}

// One caller of `append`: a new stream per append, so no two appends ever conflict.
asio::awaitable<void> append_caller(pg_event_store& store, state_ptr st, std::string prefix, std::size_t caller,
                                    std::shared_ptr<std::uint64_t> seq) {
  while (st->more()) {
    auto stream = stream_name(prefix, caller, (*seq)++);
    auto events = bench_events(*seq, 1);
    const auto t0 = clock::now();
    auto [ec, r] = co_await store.async_append(std::move(stream), expected_version::no_stream(), std::move(events),
                                               tuple_awaitable);
    const auto t1 = clock::now();
    if (ec) fail("append: async_append", ec, r.conflict_message());
    check_appended("append", r, 1);
    record_append(*st, t1 - t0, r.transaction_id);
  }
}

}  // namespace

void fail(const char* what, error_code ec, const std::string& detail) {
  throw std::runtime_error(std::string(what) + " failed: " + ec.message() + (detail.empty() ? "" : ": " + detail));
}
void fail(const char* what, error_code ec) { fail(what, ec, std::string()); }

void check_appended(const char* what, const persistence::append_result& r, std::uint64_t version) {
  // A new stream: the append's events are versions 1..version, one position each.
  if (r.version != version || r.replayed || r.positions.size() != version)
    throw std::runtime_error(std::string(what) + ": unexpected append result on " + r.stream_id);
}

std::string last_connect_failure(const persistence::connection_pool& pool) {
  const auto m = pool.stats().last_connect_message;
  return m.empty() ? m : "last connect failure: " + m;
}

double percentile_ms(const std::vector<std::int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty()) return 0.0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted_ns.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted_ns.size());
  return static_cast<double>(sorted_ns[rank - 1]) / 1e6;
}

throughput figures(const timed_outcome& o) {
  throughput t;
  t.ops = o.state->ops;
  t.elapsed = o.elapsed;
  t.client_cpu = o.client_cpu;
  t.server_cpu_s = o.server_cpu_s;
  return t;
}

append_figures run_append(const phase_env& env, const std::string& prefix, std::size_t callers,
                          std::uint64_t& appended) {
  auto seq = std::make_shared<std::uint64_t>(0);  // shared by the callers: stream names never repeat
  store_session session(env.conninfo, store_pool_size);
  auto make = [&session, &prefix, seq](state_ptr st, std::size_t caller) {
    return append_caller(session.store(), std::move(st), prefix, caller, seq);
  };
  const auto warm = session.timed_run("append", callers, warmup_time, make);
  appended = warm.state->ops;
  const auto measured = session.timed_run("append", callers, env.measure, make, env.server);
  appended += measured.state->ops;
  append_figures out;
  out.run = figures(measured);
  auto& lat = measured.state->latencies_ns;
  std::sort(lat.begin(), lat.end());
  out.p50_ms = percentile_ms(lat, 50);
  out.p99_ms = percentile_ms(lat, 99);
  out.max_ms = lat.empty() ? 0.0 : static_cast<double>(lat.back()) / 1e6;
  out.transactions = measured.state->batches.size();
  out.batches_by_size.assign(9, 0);
  out.appends_by_size.assign(9, 0);
  for (const auto& [txid, n] : measured.state->batches) {
    out.largest_batch = std::max<std::uint64_t>(out.largest_batch, n);
    const auto bucket = std::min<std::size_t>(static_cast<std::size_t>(std::bit_width(n)) - 1, 8);
    ++out.batches_by_size[bucket];
    out.appends_by_size[bucket] += n;
  }
  return out;
}

std::string cpu_text(const throughput& t, const char* op) {
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "client CPU %7.1f us/%s", t.client_cpu_us_per_op(), op);
  if (t.server_cpu_s >= 0 && n > 0 && static_cast<std::size_t>(n) < sizeof buf) {
    const double wall = std::chrono::duration<double>(t.elapsed).count();
    std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ", server CPU %7.1f us/%s (%.2f cores)",
                  t.server_cpu_us_per_op(), op, wall > 0 ? t.server_cpu_s / wall : 0.0);
  }
  return buf;
}

}  // namespace mink::bench

// Event payloads and the small helpers every phase shares. Plain functions, not coroutines: GCC 12
// mishandles brace-initialized temporaries inside coroutine bodies.
#include "append_phase.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <random>

#include <time.h>

namespace mink::bench {

boost::json::value event_payload(std::uint64_t n) {
  char order[32];
  std::snprintf(order, sizeof order, "order-%08llu", static_cast<unsigned long long>(n));
  boost::json::object o;
  o["order_id"] = order;
  o["customer_id"] = "customer-" + std::to_string(n % 997);
  o["amount_cents"] = 1000 + static_cast<std::int64_t>(n % 90000);
  o["currency"] = "EUR";
  o["lines"] = 1 + static_cast<std::int64_t>(n % 7);
  return o;
}

std::string event_payload_text(std::uint64_t n) { return boost::json::serialize(event_payload(n)); }

std::vector<event_data> bench_events(std::uint64_t n, std::size_t count) {
  std::vector<event_data> events(count);
  for (std::size_t i = 0; i < count; ++i) {
    events[i].type = "BenchEvent";
    events[i].data = event_payload(n + i);
  }
  return events;
}

std::string run_tag() {
  std::random_device rd;
  char tag[20];
  std::snprintf(tag, sizeof tag, "%08x%08x", rd(), rd());
  return tag;
}

std::chrono::nanoseconds process_cpu_time() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

double throughput::per_second() const {
  const double s = std::chrono::duration<double>(elapsed).count();
  return s > 0 ? static_cast<double>(ops) / s : 0.0;
}

double throughput::client_cpu_us_per_op() const {
  return ops > 0 ? std::chrono::duration<double, std::micro>(client_cpu).count() / static_cast<double>(ops) : 0.0;
}

double throughput::server_cpu_us_per_op() const {
  return ops > 0 && server_cpu_s >= 0 ? server_cpu_s * 1e6 / static_cast<double>(ops) : -1.0;
}

}  // namespace mink::bench

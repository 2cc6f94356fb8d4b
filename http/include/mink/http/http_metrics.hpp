#pragma once
// Request counts and latencies of a router, fed by router_params::on_response.

#include <mink/http/router.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

namespace mink::http {

class prometheus_writer;

/// Counts requests by (method, route, status) and observes their latency by (method, route).
///
/// Labels stay bounded whatever clients send: route is the matched pattern, or "unmatched" for
/// requests no route handled (400, 404, 405); a method other than GET, HEAD, POST, PUT, DELETE,
/// PATCH or OPTIONS is "OTHER".
///
/// Usage: `router_params{.on_response = [&m](const request_record& r) { m.record(r); }}`.
/// Thread safety: every member function, from any thread.
class http_metrics {
 public:
  /// Upper bounds of the latency buckets, in seconds (the last bucket is +Inf).
  static constexpr std::array<double, 13> bucket_bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                         0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

  void record(const request_record& r);

  /// Writes mink_http_requests_total{method,route,status} (counter) and
  /// mink_http_request_duration_seconds{method,route} (histogram); nothing before any request.
  void write(prometheus_writer& w) const;

  /// Requests counted with these labels (as labelled: "unmatched", "OTHER"), for tests and probes.
  std::uint64_t requests(std::string_view method, std::string_view route, unsigned status_code) const;

 private:
  struct latency {
    std::uint64_t count = 0;
    double seconds_sum = 0;
    std::array<std::uint64_t, bucket_bounds.size() + 1> buckets{};
  };
  mutable std::mutex mutex_;
  // Transparent comparators: a request finds its series by string_view keys, so recording
  // allocates only the first time a series is seen.
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t, std::less<>> requests_;
  std::map<std::tuple<std::string, std::string>, latency, std::less<>> latencies_;
};

}  // namespace mink::http

#include <mink/http/http_metrics.hpp>

#include <mink/http/prometheus.hpp>

#include <algorithm>
#include <string_view>

namespace mink::http {
namespace {

std::string_view method_label(std::string_view m) {
  static constexpr std::string_view known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  for (const auto k : known)
    if (m == k) return k;
  return "OTHER";
}

/// The entry of `key` (looked up by views), created with owning strings when missing.
template <class Map, class... Views>
typename Map::mapped_type& entry(Map& map, Views... key) {
  auto it = map.find(std::make_tuple(key...));
  if (it == map.end()) it = map.emplace(typename Map::key_type(key...), typename Map::mapped_type{}).first;
  return it->second;
}

}  // namespace

void http_metrics::record(const request_record& r) {
  const std::string_view method = method_label(r.method);
  const std::string_view route = r.route.empty() ? std::string_view("unmatched") : std::string_view(r.route);
  const double seconds = std::chrono::duration<double>(r.duration).count();
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bucket_bounds.begin(), bucket_bounds.end(), seconds) - bucket_bounds.begin());
  std::lock_guard lock(mutex_);
  ++entry(requests_, method, route, r.status);
  auto& l = entry(latencies_, method, route);
  ++l.count;
  l.seconds_sum += seconds;
  ++l.buckets[bucket];
}

std::uint64_t http_metrics::requests(std::string_view method, std::string_view route, unsigned status_code) const {
  std::lock_guard lock(mutex_);
  const auto it = requests_.find(std::make_tuple(method, route, status_code));
  return it == requests_.end() ? 0 : it->second;
}

void http_metrics::write(prometheus_writer& w) const {
  std::unique_lock lock(mutex_);
  const auto requests = requests_;
  const auto latencies = latencies_;
  lock.unlock();
  for (const auto& [key, count] : requests) {
    const auto code = std::to_string(std::get<2>(key));
    w.counter("mink_http_requests_total", "HTTP requests answered, by method, route pattern and status.",
              {{"method", std::get<0>(key)}, {"route", std::get<1>(key)}, {"status", code}},
              static_cast<double>(count));
  }
  for (const auto& [key, l] : latencies) {
    w.histogram("mink_http_request_duration_seconds", "Time to build HTTP responses, by method and route pattern.",
                {{"method", std::get<0>(key)}, {"route", std::get<1>(key)}}, bucket_bounds, l.buckets, l.seconds_sum);
  }
}

}  // namespace mink::http

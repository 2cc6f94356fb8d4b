#include <mink/messaging/fail_point.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

namespace mink {
namespace {

struct armed_point {
  std::string name;
  std::uint64_t fire_at = 1;              // the hit that kills
  std::atomic<std::uint64_t> hits{0};
};

struct fail_point_table {
  std::vector<armed_point> points;

  fail_point_table() {
    const char* spec = std::getenv("MINK_FAIL_POINT");
    if (spec == nullptr) return;
    std::string_view rest(spec);
    // Count first: atomics cannot be moved, so the vector is sized once.
    std::size_t count = 0;
    for (std::string_view r = rest; !r.empty();) {
      auto comma = r.find(',');
      if (!r.substr(0, comma).empty()) ++count;
      r = comma == std::string_view::npos ? std::string_view{} : r.substr(comma + 1);
    }
    points = std::vector<armed_point>(count);
    std::size_t i = 0;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (item.empty()) continue;
      armed_point& p = points[i++];
      auto at = item.find('@');
      p.name = std::string(item.substr(0, at));
      if (at != std::string_view::npos) {
        std::string_view n = item.substr(at + 1);
        std::uint64_t value = 0;
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
        if (ec == std::errc{} && end == n.data() + n.size() && value >= 1) p.fire_at = value;
      }
    }
  }
};

// The armed points, read from the environment at the first use (or at reload_fail_points).
// Replaced tables are never freed: a concurrent fail_point call may still be reading one.
std::atomic<fail_point_table*> current_table{nullptr};

fail_point_table& table() noexcept {
  fail_point_table* t = current_table.load(std::memory_order_acquire);
  if (t == nullptr) {
    auto* fresh = new fail_point_table;
    if (current_table.compare_exchange_strong(t, fresh, std::memory_order_acq_rel)) {
      t = fresh;
    } else {
      delete fresh;  // another thread loaded it first: t holds theirs
    }
  }
  return *t;
}

bool load_armed() noexcept { return !table().points.empty(); }

}  // namespace

bool fail_points_armed() noexcept { return load_armed(); }

void reload_fail_points() { current_table.store(new fail_point_table, std::memory_order_release); }

void fail_point(std::string_view name) noexcept {
  if (!load_armed()) return;
  for (armed_point& p : table().points) {
    if (p.name != name) continue;
    if (p.hits.fetch_add(1, std::memory_order_relaxed) + 1 == p.fire_at) {
      // A line on stderr first, so that a test's log says where the process died.
      static constexpr char prefix[] = "mink: fail point reached, killing the process: ";
      (void)!::write(2, prefix, sizeof prefix - 1);
      (void)!::write(2, name.data(), name.size());
      (void)!::write(2, "\n", 1);
      ::kill(::getpid(), SIGKILL);
    }
  }
}

}  // namespace mink

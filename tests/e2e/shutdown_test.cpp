// Graceful shutdown under load: clients keep creating orders on keep-alive connections while minkd
// gets SIGTERM. It must exit 0 in time, and after a restart on the same data directory every
// command that was acknowledged (a 2xx received) must be there: no acknowledged command is lost.
#include "e2e_support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace mink::e2e;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

struct load_result {
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::string> problems;  // what went wrong before SIGTERM was sent
  std::atomic<int> acknowledged_count{0};
  std::atomic<int> after_sigterm{0};  // acknowledged after SIGTERM was sent
};

// One client: creates orders "<prefix>-<n>" one after the other on a keep-alive connection,
// reconnecting when the server closes it, until `stop` or until the server refuses connections.
void run_client(const endpoint& ep, const std::string& prefix, const std::atomic<bool>& stop,
                const std::atomic<bool>& sigterm_sent, load_result& out) {
  const auto give_up = std::chrono::steady_clock::now() + seconds(90);
  std::unique_ptr<connection> c;
  for (int n = 0; !stop && std::chrono::steady_clock::now() < give_up; ++n) {
    const std::string id = prefix + "-" + std::to_string(n);
    try {
      if (!c) c = std::make_unique<connection>(ep, seconds(5));
      const auto res = c->request(post("/orders", create_body(id, "customer-load")), seconds(20));
      if (res.status >= 200 && res.status < 300) {
        std::lock_guard lock(out.mutex);
        out.acknowledged.push_back(id);
        ++out.acknowledged_count;
        if (sigterm_sent) ++out.after_sigterm;
      } else if (!sigterm_sent) {
        std::lock_guard lock(out.mutex);
        out.problems.push_back(id + ": HTTP " + std::to_string(res.status) + " " + res.body);
      }
      if (!res.keep_alive) c.reset();
    } catch (const std::exception& e) {
      c.reset();
      if (sigterm_sent) {
        // Refused or closed: the server is going away. Try once more to connect: if that fails, stop.
        try {
          c = std::make_unique<connection>(ep, seconds(2));
        } catch (const std::exception&) {
          return;
        }
      } else {
        std::lock_guard lock(out.mutex);
        out.problems.push_back(id + ": " + e.what());
      }
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shutdown)

BOOST_AUTO_TEST_CASE(sigterm_under_load_loses_no_acknowledged_command) {
  constexpr int clients = 8;
  temp_dir dir;
  const std::vector<std::string> args{"--fulfillment", "manual", "--log-level", "warn"};
  load_result load;
  {
    minkd_process first(dir.data_dir(), dir.path() / "minkd-1.log", args);
    first.start();
    std::atomic<bool> stop{false};
    std::atomic<bool> sigterm_sent{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i)
      threads.emplace_back([&, i] { run_client(first.address(), "load-" + std::to_string(i), stop, sigterm_sent, load); });

    // Let the load build up (bounded), then stop minkd in the middle of it.
    const auto until = std::chrono::steady_clock::now() + seconds(30);
    while (load.acknowledged_count < 200 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(20));
    const int before = load.acknowledged_count;
    sigterm_sent = true;
    const auto stopped = first.stop(stop_bound);
    stop = true;
    for (auto& t : threads) t.join();

    BOOST_TEST(before > 0, "no command was acknowledged before SIGTERM");
    BOOST_TEST(stopped.clean(), "minkd after SIGTERM under load: " << stopped.describe() << "\n" << first.log_tail());
    BOOST_TEST(stopped.took.count() < stop_bound.count());
    std::lock_guard lock(load.mutex);
    BOOST_TEST(load.problems.empty(), load.problems.size() << " failures before SIGTERM, the first: "
                                                           << (load.problems.empty() ? "" : load.problems.front()));
    BOOST_TEST_MESSAGE("acknowledged " << load.acknowledged.size() << " orders, " << load.after_sigterm
                                       << " of them after SIGTERM; stop took " << stopped.took.count() << " ms");
  }

  // The same data directory, a new process: every acknowledged order is there.
  minkd_process second(dir.data_dir(), dir.path() / "minkd-2.log", args);
  second.start();
  auto c = std::make_unique<connection>(second.address());
  std::vector<std::string> lost;
  for (const auto& id : load.acknowledged) {
    const auto res = c->request(get("/orders/" + id + "/state"));
    if (res.status != 200) lost.push_back(id + " (HTTP " + std::to_string(res.status) + ")");
    if (!res.keep_alive) c = std::make_unique<connection>(second.address());
  }
  BOOST_TEST(lost.empty(), lost.size() << " of " << load.acknowledged.size()
                                       << " acknowledged orders lost, the first: " << (lost.empty() ? "" : lost.front()));
  const auto stopped = second.stop(stop_bound);
  BOOST_TEST(stopped.clean(), "restarted minkd after SIGTERM: " << stopped.describe() << "\n" << second.log_tail());
}

BOOST_AUTO_TEST_SUITE_END()

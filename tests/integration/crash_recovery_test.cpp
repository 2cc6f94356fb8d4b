// Crash safety: mink-crash-driver is killed (SIGKILL) at a fail point, then run again without
// one; afterwards every saga has ended with each effect recorded once, the read model equals a
// recomputation from the events, and no checkpoint is ahead of the log. Each point is hit at
// several depths (its 1st, 3rd and 7th hit), each round with orders of its own.
#include "pg_store_harness.hpp"

#include <ecommerce/domain/order.hpp>
#include <ecommerce/fulfilment/fulfilment_saga.hpp>
#include <ecommerce/read_model/order_summary_queries.hpp>

#include <mink/persistence/aggregate_repository.hpp>

#include <csignal>
#include <map>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace {

using namespace mink::test;
namespace mp = mink::persistence;

constexpr int orders_per_round = 9;

/// Runs the driver on the test database for orders "<prefix>-0..N", with MINK_FAIL_POINT set to
/// `fail_point` (none when empty); its wait status.
int run_driver(const std::string& prefix, const std::string& fail_point) {
  std::vector<std::string> args{MINK_CRASH_DRIVER, "--database-url", server().connection_string(),
                                "--prefix", prefix, "--orders", std::to_string(orders_per_round)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("MINK_FAIL_POINT=")) continue;
    env_text.emplace_back(*e);
  }
  if (!fail_point.empty()) env_text.push_back("MINK_FAIL_POINT=" + fail_point);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  BOOST_REQUIRE(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()) == 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

/// Events of `stream_id` per type.
asio::awaitable<std::map<std::string, int>> types_in(mp::connection_pool& pool, const std::string& stream_id) {
  auto [ec, r] = co_await pool.async_query(
      "SELECT event_type, count(*)::int8 FROM mink_events WHERE stream_id = $1 GROUP BY event_type",
      mp::query_params(stream_id), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, ec.message());
  std::map<std::string, int> counts;
  for (std::size_t i = 0; i < r.rows(); ++i) counts[r.get<std::string>(i, 0).value()] = static_cast<int>(r.get<std::int64_t>(i, 1).value());
  co_return counts;
}

/// Everything that must hold after the recovery run for the orders of `prefix`.
asio::awaitable<void> check_round(pg_store_harness& h, const std::string& prefix) {
  mp::connection_pool& pool = h.fixture.pool;
  ecommerce::order_summary_queries summaries(pool);
  mp::aggregate_repository<mink::decider_aggregate<ecommerce::order>> orders(co_await asio::this_coro::executor,
                                                                              h.store());
  for (int i = 0; i < orders_per_round; ++i) {
    const std::string id = prefix + "-" + std::to_string(i);
    BOOST_TEST_CONTEXT("order " << id) {
      // The order's own events: each command once, whatever was re-sent.
      auto order_events = co_await types_in(pool, "Order-" + id);
      BOOST_TEST(order_events["OrderCreated"] == 1);
      BOOST_TEST(order_events["ItemAdded"] == 1);
      BOOST_TEST(order_events["OrderSubmitted"] == 1);
      auto payments = co_await types_in(pool, ecommerce::payment_stream(id));
      auto inventory = co_await types_in(pool, ecommerce::inventory_stream(id));

      // Each effect exactly once, and the outcome this kind of order must have.
      auto [saga_ec, saga] = co_await h.sagas().async_find(ecommerce::fulfilment_saga_id(id), tuple_awaitable);
      BOOST_REQUIRE(!saga_ec);
      BOOST_REQUIRE(saga.has_value());
      switch (i % 3) {
        case 0:
          BOOST_TEST((saga->status == mp::saga_status::completed));
          BOOST_TEST(payments["PaymentProcessed"] == 1);
          BOOST_TEST(payments["PaymentRefunded"] == 0);
          BOOST_TEST(inventory["InventoryReserved"] == 1);
          BOOST_TEST(order_events["OrderShipped"] == 1);
          BOOST_TEST(order_events["OrderCompleted"] == 1);
          BOOST_TEST(order_events["OrderCancelled"] == 0);
          break;
        case 1:
          BOOST_TEST((saga->status == mp::saga_status::compensated));
          BOOST_TEST(payments["PaymentDeclined"] == 1);
          BOOST_TEST(payments["PaymentProcessed"] == 0);
          BOOST_TEST(inventory.empty());
          BOOST_TEST(order_events["OrderCancelled"] == 1);
          BOOST_TEST(order_events["OrderShipped"] == 0);
          break;
        default:
          BOOST_TEST((saga->status == mp::saga_status::compensated));
          BOOST_TEST(payments["PaymentProcessed"] == 1);
          BOOST_TEST(payments["PaymentRefunded"] == 1);
          BOOST_TEST(inventory["InventoryReservationFailed"] == 1);
          BOOST_TEST(order_events["OrderCancelled"] == 1);
          BOOST_TEST(order_events["OrderShipped"] == 0);
      }

      // The read model row equals what the events say.
      auto [load_ec, order] = co_await orders.async_load(id, tuple_awaitable);
      BOOST_REQUIRE(!load_ec);
      const ecommerce::order_state& s = order.state();
      auto [find_ec, row] = co_await summaries.async_find(id, tuple_awaitable);
      BOOST_REQUIRE(!find_ec);
      BOOST_REQUIRE(row.has_value());
      std::int64_t quantity = 0;
      for (const auto& line : s.items) quantity += line.quantity;
      BOOST_TEST(row->customer_id == s.customer_id);
      BOOST_TEST(row->status == std::string(to_string(s.status)));
      BOOST_TEST(row->item_count == quantity);
      BOOST_TEST(row->line_count == static_cast<std::int64_t>(s.items.size()));
      BOOST_TEST(row->total.cents == s.total.cents);
      BOOST_TEST(row->tracking_number.value_or("") == s.tracking_number);
      BOOST_TEST(row->version == order.version());
    }
  }
  // No checkpoint ahead of the log.
  auto [ec, ahead] = co_await pool.async_query(
      "SELECT count(*)::int8 FROM mink_checkpoints c WHERE c.position > "
      "(SELECT coalesce(max(global_position), 0) FROM mink_events) OR c.transaction_id > "
      "(SELECT coalesce(max(transaction_id), '0'::xid8) FROM mink_events)",
      mp::query_params{}, tuple_awaitable);
  BOOST_REQUIRE(!ec);
  BOOST_TEST(ahead.get<std::int64_t>(0, 0).value() == 0);
}

bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
bool succeeded(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

// Kills the driver at `point`'s 1st, 3rd and 7th hit, recovers, checks.
void crash_and_recover(const std::string& point) {
  pg_store_harness h;
  int round = 0;
  for (int hit : {1, 3, 7}) {
    const std::string prefix = "CR" + std::to_string(::getpid()) + "-" + point + "-" + std::to_string(++round);
    BOOST_TEST_CONTEXT("fail point " << point << "@" << hit) {
      const int crashed = run_driver(prefix, point + "@" + std::to_string(hit));
      BOOST_TEST(killed(crashed), "the driver died at the fail point (status " << crashed << ")");
      const int recovered = run_driver(prefix, "");
      BOOST_REQUIRE_MESSAGE(succeeded(recovered), "the second run finished every order (status " << recovered << ")");
      h.run([&]() -> asio::awaitable<void> { co_await check_round(h, prefix); });
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crash_recovery)

BOOST_AUTO_TEST_CASE(between_append_and_answer) { crash_and_recover("command.after_append"); }
BOOST_AUTO_TEST_CASE(after_a_saga_command_before_its_state_save) { crash_and_recover("saga.after_command"); }
BOOST_AUTO_TEST_CASE(in_the_middle_of_a_projection_batch) { crash_and_recover("projection.mid_batch"); }
BOOST_AUTO_TEST_CASE(after_a_payment_request_before_the_saga_state_save) { crash_and_recover("payment.after_request"); }

BOOST_AUTO_TEST_SUITE_END()

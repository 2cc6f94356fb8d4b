// The order-summary read model on PostgreSQL, fed by its projection through the whole order
// system in manual fulfilment mode (no saga: the test ships and completes orders itself): rows,
// queries with filters and keyset pages, counts, read-your-writes waits, bad queries.
#include "pg_store_harness.hpp"

#include <ecommerce/app/order_system.hpp>

#include <mink/messaging/uuid.hpp>

#include <array>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace mink::test;
namespace mp = mink::persistence;
using ecommerce::order_system;

/// A running order system on the test database, stopped (and waited for) at the end.
struct running_system {
  explicit running_system(pg_store_harness& h) : harness(h) {
    ecommerce::order_system_params params;
    params.fulfilment = ecommerce::fulfilment_mode::manual;
    params.read_your_writes_timeout = std::chrono::milliseconds(5000);
    system = std::make_unique<order_system>(h.fixture.ioc.get_executor(), h.fixture.pool, params);
    h.run([&]() -> asio::awaitable<void> {
      auto [ec] = co_await system->async_start(tuple_awaitable);
      BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    });
    system->async_run([this](error_code ec) {
      run_result = ec;
      run_done = true;
    });
  }
  ~running_system() {
    system->cancel();
    run_until(harness.fixture.ioc, run_done, 30s);
  }
  pg_store_harness& harness;
  std::unique_ptr<order_system> system;
  bool run_done = false;
  error_code run_result;
};

template <class Command>
asio::awaitable<mink::dispatch_result> send(order_system& s, Command c) {
  mink::dispatch_options none;
  auto [ec, r] = co_await s.bus().async_dispatch(std::move(c), std::move(none), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, std::string(Command::type_name) + ": " + ec.message() + " " + r.error_message);
  co_return r;
}

/// Creates an order of `customer` with `lines` lines (quantity 2 at 10.50 each) and brings it to
/// `status`; the last command's position.
asio::awaitable<std::int64_t> make_order(order_system& s, const std::string& id, const std::string& customer,
                                         int lines, const std::string& status) {
  ecommerce::create_order create;
  create.order_id = id;
  create.customer_id = customer;
  auto r = co_await send(s, create);
  for (int i = 0; i < lines; ++i) {
    ecommerce::add_item item;
    item.order_id = id;
    item.sku = "SKU-" + std::to_string(i);
    item.name = "Item";
    item.quantity = 2;
    item.price = ecommerce::money::from_cents(1050);
    r = co_await send(s, item);
  }
  if (status != "Created") {
    ecommerce::submit_order submit;
    submit.order_id = id;
    r = co_await send(s, submit);
  }
  if (status == "Shipped" || status == "Completed") {
    ecommerce::ship_order ship;
    ship.order_id = id;
    ship.tracking_number = "TRK-" + id;
    r = co_await send(s, ship);
  }
  if (status == "Completed") {
    ecommerce::complete_order complete;
    complete.order_id = id;
    r = co_await send(s, complete);
  }
  if (status == "Cancelled") {
    ecommerce::cancel_order cancel;
    cancel.order_id = id;
    cancel.reason = "changed my mind";
    r = co_await send(s, cancel);
  }
  co_return r.positions.back();
}

std::string fresh(const std::string& tag) { return tag + "-" + mink::new_uuid().substr(0, 8); }

}  // namespace

BOOST_AUTO_TEST_SUITE(order_read_model)

BOOST_AUTO_TEST_CASE(a_row_follows_its_order_and_reads_its_own_writes) {
  pg_store_harness h;
  running_system rs(h);
  order_system& s = *rs.system;
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("RM");
    const std::int64_t last = co_await make_order(s, id, "CUST-RM", 3, "Shipped");
    // Asked with the last command's position, the read waits until the projection is there.
    auto [ec, row] = co_await s.async_find_summary(id, last, tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE(row.has_value());
    BOOST_TEST(row->customer_id == "CUST-RM");
    BOOST_TEST(row->status == "Shipped");
    BOOST_TEST(row->item_count == 6);
    BOOST_TEST(row->line_count == 3);
    BOOST_TEST(ecommerce::to_string(row->total) == "63.00");
    BOOST_TEST(row->tracking_number.value_or("") == "TRK-" + id);
    BOOST_TEST(row->version == 6u);
    BOOST_TEST((row->updated_at >= row->created_at));

    auto [missing_ec, missing] = co_await s.async_find_summary("no-such-order", std::nullopt, tuple_awaitable);
    BOOST_TEST(!missing_ec);
    BOOST_TEST(!missing.has_value());
  });
}

// A summary read once is served from the cache; a command on the order invalidates it before
// its position counts as applied, so a read with that position never sees the cached row.
BOOST_AUTO_TEST_CASE(a_cached_summary_never_hides_a_later_write) {
  pg_store_harness h;
  running_system rs(h);
  order_system& s = *rs.system;
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("CACHE");
    const std::int64_t created = co_await make_order(s, id, "CUST-C", 1, "Created");
    for (int i = 0; i < 2; ++i) {  // the second read is a cache hit
      auto [ec, row] = co_await s.async_find_summary(id, created, tuple_awaitable);
      BOOST_REQUIRE(!ec);
      BOOST_REQUIRE(row.has_value());
      BOOST_TEST(row->status == "Created");
      BOOST_TEST(row->version == 2u);
    }
    ecommerce::submit_order submit;
    submit.order_id = id;
    const auto submitted = co_await send(s, submit);
    auto [ec, row] = co_await s.async_find_summary(id, submitted.positions.back(), tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE(row.has_value());
    BOOST_TEST(row->status == "Submitted");
    BOOST_TEST(row->version == 3u);
  });
}

BOOST_AUTO_TEST_CASE(a_wait_for_a_position_that_does_not_exist_fails_clearly) {
  pg_store_harness h;
  running_system rs(h);
  h.run([&]() -> asio::awaitable<void> {
    // Positions start at 1: no event will ever have position 0.
    auto [ec, row] = co_await rs.system->async_find_summary("x", std::int64_t{0}, tuple_awaitable);
    BOOST_TEST((ec == mink::errc::position_not_found));
    BOOST_TEST(!row.has_value());
  });
}

BOOST_AUTO_TEST_CASE(a_paused_projection_makes_a_wait_time_out) {
  pg_store_harness h;
  running_system rs(h);
  order_system& s = *rs.system;
  h.run([&]() -> asio::awaitable<void> {
    BOOST_REQUIRE(!s.projections().pause(ecommerce::order_summary_projection_name));
    const std::string id = fresh("PAUSE");
    const std::int64_t last = co_await make_order(s, id, "CUST-P", 1, "Created");
    // The system's timeout is 5 s; the projection's own wait takes a shorter one here.
    auto [ec] = co_await s.projections().async_wait_for(ecommerce::order_summary_projection_name, last,
                                                        std::chrono::milliseconds(300), tuple_awaitable);
    BOOST_TEST((ec == mink::errc::timeout));
    BOOST_REQUIRE(!s.projections().resume(ecommerce::order_summary_projection_name));
    auto [ec2, row] = co_await s.async_find_summary(id, last, tuple_awaitable);
    BOOST_TEST(!ec2);
    BOOST_TEST(row.has_value());
  });
}

BOOST_AUTO_TEST_CASE(lists_filter_by_status_and_customer_in_stable_keyset_pages) {
  pg_store_harness h;
  running_system rs(h);
  order_system& s = *rs.system;
  h.run([&]() -> asio::awaitable<void> {
    const std::string customer = fresh("CUST-LIST");
    std::set<std::string> submitted;
    std::int64_t last = 0;
    for (int i = 0; i < 7; ++i) {
      const std::string id = fresh("L" + std::to_string(i));
      const std::string status = i % 2 == 0 ? "Submitted" : "Completed";
      if (status == "Submitted") submitted.insert(id);
      last = co_await make_order(s, id, customer, 1, status);
    }
    co_await s.async_find_summary("any", last, tuple_awaitable);  // the projection is there

    // Pages of 2 of this customer's submitted orders: every one once, in order id order.
    ecommerce::order_list_query q;
    q.customer_id = customer;
    q.status = "Submitted";
    q.limit = 2;
    std::vector<std::string> seen;
    for (int page = 0; page < 10; ++page) {
      auto [ec, p] = co_await s.summaries().async_list(q, tuple_awaitable);
      BOOST_REQUIRE(!ec);
      BOOST_TEST(p.items.size() <= 2u);
      for (const auto& row : p.items) {
        BOOST_TEST(row.status == "Submitted");
        BOOST_TEST(row.customer_id == customer);
        seen.push_back(row.order_id);
      }
      if (!p.next) break;
      q.after = p.next;
    }
    BOOST_TEST(seen.size() == submitted.size());
    BOOST_TEST(std::is_sorted(seen.begin(), seen.end()));
    BOOST_TEST((std::set<std::string>(seen.begin(), seen.end()) == submitted));

    // Customer only: all seven; a page as large as the rest has no next.
    ecommerce::order_list_query all;
    all.customer_id = customer;
    all.limit = 7;
    auto [ec, p] = co_await s.summaries().async_list(all, tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(p.items.size() == 7u);
    BOOST_TEST(!p.next.has_value());

    auto [count_ec, counts] = co_await s.summaries().async_count_by_status(tuple_awaitable);
    BOOST_REQUIRE(!count_ec);
    BOOST_TEST(counts.by_status.size() == 5u);  // every status, 0 when none
    BOOST_TEST(counts.by_status["Submitted"] >= 4u);
    BOOST_TEST(counts.by_status["Completed"] >= 3u);
    std::uint64_t sum = 0;
    for (const auto& [status, n] : counts.by_status) sum += n;
    BOOST_TEST(sum == counts.total);
  });
}

BOOST_AUTO_TEST_CASE(bad_list_queries_get_invalid_value_and_change_nothing) {
  pg_store_harness h;
  running_system rs(h);
  order_system& s = *rs.system;
  h.run([&]() -> asio::awaitable<void> {
    // A named array: GCC 12 mishandles a braced temporary that lives across a co_await.
    const std::array<std::size_t, 2> bad_limits{0, 501};
    for (std::size_t limit : bad_limits) {
      ecommerce::order_list_query q;
      q.limit = limit;
      auto [ec, p] = co_await s.summaries().async_list(q, tuple_awaitable);
      BOOST_TEST((ec == mink::errc::invalid_value), "limit " << limit);
      BOOST_TEST(p.items.empty());
    }
    ecommerce::order_list_query q;
    q.status = "Lost";
    auto [ec, p] = co_await s.summaries().async_list(q, tuple_awaitable);
    BOOST_TEST((ec == mink::errc::invalid_value));
  });
}

BOOST_AUTO_TEST_CASE(manual_fulfilment_runs_no_saga) {
  pg_store_harness h;
  running_system rs(h);
  order_system& s = *rs.system;
  BOOST_TEST(s.fulfilment() == nullptr);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("MANUAL");
    const std::int64_t submitted = co_await make_order(s, id, "CUST-M", 1, "Submitted");
    // Nothing ships it: after a while it is still Submitted, and no saga exists for it.
    asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(300));
    co_await wait.async_wait(tuple_awaitable);
    auto [ec, row] = co_await s.async_find_summary(id, submitted, tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE(row.has_value());
    BOOST_TEST(row->status == "Submitted");
    auto [saga_ec, sagas] = co_await s.sagas().async_find_by_correlation(id, tuple_awaitable);
    BOOST_TEST(!saga_ec);
    BOOST_TEST(sagas.empty());
  });
}

BOOST_AUTO_TEST_SUITE_END()

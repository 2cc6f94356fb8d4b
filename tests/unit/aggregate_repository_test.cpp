// Loading and saving aggregates without actors, over the memory event store: a missing aggregate,
// a first save, the lost-update conflict and its retry, nothing to save, and an aggregate written
// in the object style next to one over a decider.
#include "aggregate_test_support.hpp"
#include "order_fixtures.hpp"

#include <ecommerce/domain/order.hpp>

#include <mink/messaging/aggregate_base.hpp>
#include <mink/persistence/aggregate_repository.hpp>
#include <mink/persistence/memory_event_store.hpp>

#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#include <variant>

using namespace aggregate_test;
using namespace order_fixtures;
using mink::expected_version;

namespace {

// An account in the object style: methods check the rules and apply() the events; when() evolves.

struct account_opened {
  static constexpr std::string_view type_name = "AccountOpened";
  std::string account_id;
  std::string owner;
};
struct money_deposited {
  static constexpr std::string_view type_name = "MoneyDeposited";
  std::string account_id;
  std::int64_t cents = 0;
};
using account_event = std::variant<account_opened, money_deposited>;

void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const account_opened& e) {
  v = {{"account_id", e.account_id}, {"owner", e.owner}};
}
account_opened tag_invoke(boost::json::value_to_tag<account_opened>, const boost::json::value& v) {
  return {boost::json::value_to<std::string>(v.at("account_id")), boost::json::value_to<std::string>(v.at("owner"))};
}
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const money_deposited& e) {
  v = {{"account_id", e.account_id}, {"cents", e.cents}};
}
money_deposited tag_invoke(boost::json::value_to_tag<money_deposited>, const boost::json::value& v) {
  return {boost::json::value_to<std::string>(v.at("account_id")), boost::json::value_to<std::int64_t>(v.at("cents"))};
}

class account : public mink::aggregate_base<account, account_event> {
 public:
  static constexpr std::string_view category = "Account";

  error_code open(std::string owner) {
    if (open_) return boost::system::errc::make_error_code(boost::system::errc::operation_not_permitted);
    apply(account_opened{id(), std::move(owner)});
    return {};
  }
  error_code deposit(std::int64_t cents) {
    if (!open_ || cents <= 0) return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    apply(money_deposited{id(), cents});
    return {};
  }

  void when(const account_event& e) {
    if (const auto* o = std::get_if<account_opened>(&e)) {
      open_ = true;
      owner_ = o->owner;
    } else {
      balance_cents_ += std::get<money_deposited>(e).cents;
    }
  }

  bool is_open() const noexcept { return open_; }
  const std::string& owner() const noexcept { return owner_; }
  std::int64_t balance_cents() const noexcept { return balance_cents_; }

 private:
  bool open_ = false;
  std::string owner_;
  std::int64_t balance_cents_ = 0;
};

using order_aggregate = mink::decider_aggregate<ecommerce::order>;

struct repository_fixture {
  asio::io_context ioc;
  mink::persistence::memory_event_store memory{ioc.get_executor()};
  test_event_store store{memory};

  template <class Aggregate>
  Aggregate load(mink::persistence::aggregate_repository<Aggregate>& repo, const std::string& id) {
    std::optional<Aggregate> out;
    error_code load_ec;
    repo.async_load(id, [&](error_code ec, Aggregate a) {
      load_ec = ec;
      out = std::move(a);
    });
    BOOST_TEST(!out.has_value());  // never inline
    BOOST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
    BOOST_TEST(!load_ec);
    return std::move(*out);
  }

  template <class Aggregate>
  std::pair<error_code, append_result> save(mink::persistence::aggregate_repository<Aggregate>& repo, Aggregate& a) {
    std::optional<std::pair<error_code, append_result>> out;
    repo.async_save(a, [&](error_code ec, append_result r) { out.emplace(ec, std::move(r)); });
    BOOST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
    return *out;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(aggregate_repository)

BOOST_FIXTURE_TEST_CASE(a_missing_aggregate_loads_at_version_zero, repository_fixture) {
  mink::persistence::aggregate_repository<order_aggregate> repo(ioc.get_executor(), store);
  auto order = load(repo, "o-1");
  BOOST_TEST(order.version() == 0u);
  BOOST_TEST(order.id() == "o-1");
  BOOST_TEST(order.stream_id() == "Order-o-1");
  BOOST_TEST(!order.state().exists());
  BOOST_TEST(order.uncommitted_events().empty());
}

BOOST_FIXTURE_TEST_CASE(saving_a_new_aggregate_expects_no_stream, repository_fixture) {
  mink::persistence::aggregate_repository<order_aggregate> repo(ioc.get_executor(), store);
  auto order = load(repo, "o-1");
  BOOST_REQUIRE(!order.execute(create_cmd()));
  BOOST_REQUIRE(!order.execute(add_cmd("LAPTOP-001", 1, usd(129999))));
  auto [ec, r] = save(repo, order);
  BOOST_TEST(!ec);
  BOOST_TEST(r.version == 2u);
  BOOST_TEST(order.version() == 2u);
  BOOST_TEST(order.uncommitted_events().empty());
  BOOST_TEST((store.expectations == std::vector<expected_version>{expected_version::no_stream()}));

  auto late = load(repo, "o-2");  // someone creates o-2 between our load and our save
  BOOST_REQUIRE(!late.execute(create_order{.order_id = "o-2", .customer_id = "C-2", .requested_at = t0}));
  auto early = load(repo, "o-2");
  BOOST_REQUIRE(!early.execute(create_order{.order_id = "o-2", .customer_id = "C-1", .requested_at = t0}));
  BOOST_TEST(!save(repo, early).first);
  auto [conflict, lost] = save(repo, late);
  BOOST_TEST((conflict == mink::errc::wrong_expected_version));
  BOOST_TEST(lost.conflict_message() == "concurrency conflict on stream \"Order-o-2\": expected no stream, got 1");
}

BOOST_FIXTURE_TEST_CASE(a_lost_update_is_refused_and_succeeds_after_a_reload, repository_fixture) {
  mink::persistence::aggregate_repository<order_aggregate> repo(ioc.get_executor(), store);
  auto created_order = load(repo, "o-1");
  BOOST_REQUIRE(!created_order.execute(create_cmd()));
  BOOST_REQUIRE(!save(repo, created_order).first);

  auto first = load(repo, "o-1");
  auto second = load(repo, "o-1");
  BOOST_REQUIRE(!first.execute(add_cmd("LAPTOP-001", 1, usd(129999))));
  BOOST_REQUIRE(!second.execute(add_cmd("MOUSE-001", 2, usd(4999))));
  auto [ok, saved] = save(repo, first);
  BOOST_TEST(!ok);
  BOOST_TEST(saved.version == 2u);

  auto [ec, r] = save(repo, second);
  BOOST_TEST((ec == mink::errc::wrong_expected_version));
  BOOST_TEST(r.conflict_message() == "concurrency conflict on stream \"Order-o-1\": expected version 1, got 2");
  BOOST_TEST((r.expected == expected_version::exact(1)));
  BOOST_TEST((r.actual_version == std::optional<std::uint64_t>(2)));
  BOOST_TEST(second.version() == 1u);  // unchanged: still holds its uncommitted event
  BOOST_TEST(second.uncommitted_events().size() == 1u);

  auto reloaded = load(repo, "o-1");
  BOOST_TEST(reloaded.version() == 2u);
  BOOST_REQUIRE(!reloaded.execute(add_cmd("MOUSE-001", 2, usd(4999))));
  auto [retry_ec, retried] = save(repo, reloaded);
  BOOST_TEST(!retry_ec);
  BOOST_TEST(retried.version == 3u);
  BOOST_TEST(reloaded.version() == 3u);
  BOOST_TEST(load(repo, "o-1").state().items.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(saving_without_uncommitted_events_is_no_events, repository_fixture) {
  mink::persistence::aggregate_repository<order_aggregate> repo(ioc.get_executor(), store);
  auto fresh = load(repo, "o-1");
  BOOST_TEST((save(repo, fresh).first == mink::errc::no_events));
  BOOST_REQUIRE(!fresh.execute(create_cmd()));
  BOOST_REQUIRE(!save(repo, fresh).first);
  BOOST_TEST((save(repo, fresh).first == mink::errc::no_events));  // already saved
  auto loaded = load(repo, "o-1");
  BOOST_TEST((save(repo, loaded).first == mink::errc::no_events));
  BOOST_TEST(read_stream(ioc, memory, "Order-o-1").size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_object_style_aggregate_loads_and_saves_through_the_same_repository, repository_fixture) {
  mink::persistence::aggregate_repository<account> repo(ioc.get_executor(), store, 2);  // pages of two events
  auto acct = load(repo, "a-1");
  BOOST_TEST((acct.deposit(100) == boost::system::errc::invalid_argument));  // not open yet
  BOOST_TEST(acct.uncommitted_events().empty());
  BOOST_REQUIRE(!acct.open("Ada"));
  BOOST_REQUIRE(!acct.deposit(2500));
  BOOST_REQUIRE(!acct.deposit(1200));
  BOOST_TEST(acct.balance_cents() == 3700);
  auto [ec, r] = save(repo, acct);
  BOOST_TEST(!ec);
  BOOST_TEST(r.version == 3u);
  BOOST_TEST(r.stream_id == "Account-a-1");

  store.stream_reads = 0;
  auto again = load(repo, "a-1");
  BOOST_TEST(store.stream_reads == 2);  // two pages: two events, then one
  BOOST_TEST(again.version() == 3u);
  BOOST_TEST(again.is_open());
  BOOST_TEST(again.owner() == "Ada");
  BOOST_TEST(again.balance_cents() == 3700);
  BOOST_TEST((again.open("Bob") == boost::system::errc::operation_not_permitted));
  BOOST_REQUIRE(!again.deposit(300));
  auto [ec2, r2] = save(repo, again);
  BOOST_TEST(!ec2);
  BOOST_TEST(r2.version == 4u);

  const auto stored = read_stream(ioc, memory, "Account-a-1");
  BOOST_REQUIRE(stored.size() == 4u);
  BOOST_TEST(stored[0].type == "AccountOpened");
  BOOST_TEST(stored[3].type == "MoneyDeposited");
  BOOST_TEST(stored[3].data.at("cents").to_number<std::int64_t>() == 300);
}

BOOST_AUTO_TEST_SUITE_END()

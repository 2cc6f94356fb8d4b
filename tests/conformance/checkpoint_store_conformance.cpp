// Conformance of checkpoint stores: save, load, replace (also backwards), bad input.
#include "event_store_conformance.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mink::test::conformance {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::checkpoint;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

checkpoint make_checkpoint(const std::string& name, std::uint64_t tx, std::int64_t pos, const std::string& status) {
  checkpoint c;
  c.projection = name;
  c.position = log_position{tx, pos};
  c.status = status;
  return c;
}

}  // namespace

void checkpoint_save_load_replace(store_harness& h) {
  const std::string name = h.unique_stream("Projection");
  h.run([&]() -> asio::awaitable<void> {
    const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
    auto [e1] = co_await h.checkpoints().async_save(make_checkpoint(name, 1234567890123ULL, 42, "running"), tuple_awaitable);
    BOOST_REQUIRE(!e1);
    auto [e2, loaded] = co_await h.checkpoints().async_load(name, tuple_awaitable);
    BOOST_REQUIRE(!e2);
    BOOST_REQUIRE(loaded.has_value());
    BOOST_TEST(loaded->projection == name);
    BOOST_TEST(loaded->position.transaction_id == 1234567890123ULL);
    BOOST_TEST(loaded->position.position == 42);
    BOOST_TEST(loaded->status == "running");
    BOOST_TEST((loaded->updated_at > before));
    // A rebuild moves a checkpoint back to the start: replacing is unconditional.
    auto [e3] = co_await h.checkpoints().async_save(make_checkpoint(name, 0, 0, "rebuilding"), tuple_awaitable);
    BOOST_REQUIRE(!e3);
    auto [e4, again] = co_await h.checkpoints().async_load(name, tuple_awaitable);
    BOOST_TEST((again->position == log_position::start()));
    BOOST_TEST(again->status == "rebuilding");
  });
}

void checkpoint_missing_and_invalid(store_harness& h) {
  const std::string name = h.unique_stream("Projection");
  h.run([&]() -> asio::awaitable<void> {
    auto [e1, none] = co_await h.checkpoints().async_load(name, tuple_awaitable);
    BOOST_TEST(!e1);
    BOOST_TEST(!none.has_value());
    auto [e2] = co_await h.checkpoints().async_save(make_checkpoint("", 1, 1, "running"), tuple_awaitable);
    BOOST_TEST(e2 == error_code(errc::empty_name));
    auto [e3, empty] = co_await h.checkpoints().async_load("", tuple_awaitable);
    BOOST_TEST(e3 == error_code(errc::empty_name));
  });
}

}  // namespace mink::test::conformance

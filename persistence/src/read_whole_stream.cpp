#include <mink/messaging/errc.hpp>
#include <mink/persistence/aggregate_repository.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <tuple>

namespace mink::persistence {

namespace asio = boost::asio;

asio::awaitable<std::tuple<boost::system::error_code, std::vector<recorded_event>>> read_stream_from(
    event_store& store, std::string stream_id, std::uint64_t from, std::size_t page_size) {
  if (page_size == 0) page_size = 512;
  std::vector<recorded_event> all;
  for (;;) {
    auto [ec, page] = co_await store.async_read_stream(stream_id, from, page_size, read_direction::forward,
                                                       asio::as_tuple(asio::use_awaitable));
    if (ec == errc::stream_not_found) break;
    if (ec) co_return std::make_tuple(ec, std::vector<recorded_event>());
    const std::size_t n = page.size();
    for (auto& e : page) all.push_back(std::move(e));
    if (n < page_size) break;
    from += n;
  }
  co_return std::make_tuple(boost::system::error_code(), std::move(all));
}

void read_whole_stream(const asio::any_io_executor& ex, event_store& store, std::string stream_id, std::size_t page_size,
                       asio::any_completion_handler<void(boost::system::error_code, std::vector<recorded_event>)> handler) {
  auto handler_ex = asio::get_associated_executor(handler, ex);
  asio::co_spawn(ex, read_stream_from(store, std::move(stream_id), 1, page_size),
                 asio::bind_executor(handler_ex, [h = std::move(handler)](
                                                     std::exception_ptr ep,
                                                     std::tuple<boost::system::error_code, std::vector<recorded_event>> r) mutable {
                   if (ep) std::get<0>(r) = errc::internal_error;
                   std::apply(std::move(h), std::move(r));
                 }));
}

}  // namespace mink::persistence

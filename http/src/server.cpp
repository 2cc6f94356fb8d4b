#include <mink/http/server.hpp>

#include "connection.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <exception>
#include <map>
#include <mutex>

namespace mink::http {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

struct server::core : std::enable_shared_from_this<server::core> {
  core(executor_type executor, server_params p, const router& r)
      : ex(std::move(executor)),
        strand(asio::make_strand(ex)),
        params(std::move(p)),
        routes(r),
        acceptor(strand),
        drained(strand),
        shutdown_timer(strand) {}

  executor_type ex;
  asio::strand<executor_type> strand;  // acceptor, registry of connections, shutdown
  server_params params;
  const router& routes;
  tcp::acceptor acceptor;
  asio::steady_timer drained;  // cancelled when the last connection ends during shutdown
  asio::steady_timer shutdown_timer;
  std::map<std::uint64_t, std::weak_ptr<detail::connection>> connections;
  std::uint64_t next_id = 0;
  std::size_t refusing = 0;
  std::atomic<std::size_t> active{0};
  bool running = false;
  bool stopping = false;
  mutable std::mutex endpoint_mutex;
  tcp::endpoint endpoint;

  // Strand only.
  void stop() {
    if (stopping) return;
    stopping = true;
    error_code ignored;
    acceptor.close(ignored);
    for (auto& [id, weak] : connections) {
      if (auto conn = weak.lock()) asio::post(conn->get_executor(), [conn] { conn->stop(); });
    }
    shutdown_timer.expires_after(params.shutdown_timeout);
    shutdown_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (ec) return;
      for (auto& [id, weak] : self->connections) {
        if (auto conn = weak.lock()) asio::post(conn->get_executor(), [conn] { conn->force_close(); });
      }
    });
    if (connections.empty()) drained.cancel();
  }

  void request_stop() {
    asio::post(strand, [self = shared_from_this()] { self->stop(); });
  }

  // Strand only.
  void connection_ended(std::uint64_t id) {
    connections.erase(id);
    active.fetch_sub(1);
    if (stopping && connections.empty()) drained.cancel();
  }

  void serve(tcp::socket socket) {
    auto self = shared_from_this();
    auto conn = std::make_shared<detail::connection>(std::move(socket), params, routes);
    const auto conn_ex = conn->get_executor();
    if (active.load() >= params.max_connections) {
      // Refusals are few and short (one small write, bounded linger); beyond a cap, just close.
      if (refusing >= 64) return;
      ++refusing;
      asio::co_spawn(conn_ex, detail::connection::refuse(conn), [self](std::exception_ptr) {
        asio::post(self->strand, [self] { --self->refusing; });
      });
      return;
    }
    const auto id = next_id++;
    connections.emplace(id, conn);
    active.fetch_add(1);
    auto slot = conn->handler_slot();
    asio::co_spawn(conn_ex, detail::connection::run(conn),
                   asio::bind_cancellation_slot(slot, [self, id](std::exception_ptr) {
                     asio::post(self->strand, [self, id] { self->connection_ended(id); });
                   }));
  }

  static asio::awaitable<error_code> run(std::shared_ptr<core> self) {
    if (self->running) co_return error_code(errc::operation_in_progress);
    if (!self->acceptor.is_open()) co_return error_code(asio::error::bad_descriptor);
    self->running = true;
    asio::steady_timer backoff(self->strand);
    while (!self->stopping) {
      error_code ec;
      tcp::socket socket = co_await self->acceptor.async_accept(asio::make_strand(self->ex),
                                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (self->stopping) break;
      if (ec) {
        if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) break;
        // Out of descriptors and the like: pause instead of spinning.
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      self->serve(std::move(socket));
    }
    self->stop();
    while (!self->connections.empty()) {
      error_code ec;
      self->drained.expires_at(asio::steady_timer::time_point::max());
      co_await self->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    self->shutdown_timer.cancel();
    co_return error_code{};
  }
};

server::server(executor_type ex, server_params params, const router& r)
    : core_(std::make_shared<core>(std::move(ex), std::move(params), r)) {}

server::~server() { core_->request_stop(); }

error_code server::open(const tcp::endpoint& ep) {
  error_code ec;
  auto& a = core_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    a.close(ignored);
    return ec;
  }
  const auto bound = a.local_endpoint(ec);
  std::lock_guard lock(core_->endpoint_mutex);
  core_->endpoint = bound;
  return ec;
}

tcp::endpoint server::local_endpoint() const {
  std::lock_guard lock(core_->endpoint_mutex);
  return core_->endpoint;
}

void server::cancel() { core_->request_stop(); }

std::size_t server::connection_count() const noexcept { return core_->active.load(); }

void server::start_run(asio::any_completion_handler<void(error_code)> handler) {
  auto c = core_;
  auto slot = asio::get_associated_cancellation_slot(handler);
  if (slot.is_connected()) slot.assign([c](asio::cancellation_type) { c->request_stop(); });
  auto handler_ex = asio::get_associated_executor(handler, c->strand);
  asio::co_spawn(c->strand, core::run(c),
                 asio::bind_executor(handler_ex, [slot, h = std::move(handler)](std::exception_ptr ep,
                                                                                 error_code ec) mutable {
                   if (slot.is_connected()) slot.clear();
                   if (ep) ec = errc::internal_error;
                   std::move(h)(ec);
                 }));
}

}  // namespace mink::http

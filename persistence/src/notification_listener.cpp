#include <mink/persistence/notification_listener.hpp>

#include "conninfo.hpp"
#include "pg_connection.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <deque>
#include <optional>

namespace mink::persistence {

using boost::system::error_code;
namespace asio = boost::asio;

using receive_handler = asio::any_completion_handler<void(error_code, notification)>;

/// Listener state; everything below runs on strand.
struct notification_listener::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor ex, listener_params p)
      : strand(asio::make_strand(ex)), params(std::move(p)), backoff_timer(strand) {}

  asio::strand<asio::any_io_executor> strand;
  listener_params params;
  asio::steady_timer backoff_timer;
  detail::pg_connection* current = nullptr;  // the live connection, for stop()
  bool stopped = false;
  std::deque<notification> queue;
  std::optional<receive_handler> receiver;
  std::atomic<std::uint64_t> listens{0};
  std::atomic<int> pid{0};

  void deliver(notification n) {
    if (receiver) {
      auto h = std::move(*receiver);
      receiver.reset();
      detail::post_completion(strand, std::move(h), error_code{}, std::move(n));
      return;
    }
    if (queue.size() >= params.max_queued) {
      // Too far behind to be useful: replace the backlog by one instruction to catch up.
      queue.clear();
      n = notification{notification::kind::resync, {}, {}, 0};
    }
    queue.push_back(std::move(n));
  }

  // Ends run(): aborts the connection's current wait or the backoff sleep.
  void stop() {
    if (stopped) return;
    stopped = true;
    if (current) current->cancel();
    backoff_timer.cancel();
    fail_receiver();
  }

  void fail_receiver() {
    if (!receiver) return;
    auto h = std::move(*receiver);
    receiver.reset();
    detail::post_completion(strand, std::move(h), error_code(asio::error::operation_aborted), notification{});
  }

  static std::string quote_identifier(const std::string& name) {
    std::string q = "\"";
    for (char c : name) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  }

  // One connection's life: connect, LISTEN, announce resync, read until the connection breaks.
  asio::awaitable<error_code> listen_once(const detail::conninfo& base) {
    detail::pg_connection conn(strand);
    current = &conn;
    struct forget {
      core* self;
      ~forget() { self->current = nullptr; }
    } forget_on_exit{this};
    detail::conninfo info = base;
    std::string why;
    // stop() cancels the operation in flight; one that had already completed when stop() ran
    // would otherwise lead to the next one, never cancelled. So: check before each.
    const error_code stopped_ec = asio::error::operation_aborted;
    if (auto ec = co_await detail::resolve_hosts(info, why)) co_return ec;
    if (stopped) co_return stopped_ec;
    if (auto ec = co_await conn.connect(info, params.connect_timeout)) co_return ec;
    for (const auto& channel : params.channels) {
      if (stopped) co_return stopped_ec;
      auto r = co_await conn.query("LISTEN " + quote_identifier(channel), {});
      if (r.ec) co_return r.ec;
    }
    pid = conn.backend_pid();
    ++listens;
    deliver(notification{notification::kind::resync, {}, {}, 0});
    std::vector<detail::notification_message> batch;
    for (;;) {
      if (stopped) co_return stopped_ec;
      batch.clear();
      auto ec = co_await conn.wait_for_notifications(batch);
      for (auto& m : batch) {
        deliver(notification{notification::kind::message, std::move(m.channel), std::move(m.payload), m.backend_pid});
      }
      if (ec) {
        pid = 0;
        co_return ec;
      }
    }
  }

  asio::awaitable<std::tuple<error_code>> run() {
    detail::conninfo info;
    std::string why;
    if (auto ec = detail::parse_conninfo(params.connection_string, info, why)) co_return std::tuple{ec};
    std::chrono::milliseconds backoff{0};
    while (!stopped) {
      const auto started = std::chrono::steady_clock::now();
      auto ec = co_await listen_once(info);
      if (stopped || ec == asio::error::operation_aborted) break;
      // A connection that lived a while earns a quick reconnect; repeated failures back off.
      if (std::chrono::steady_clock::now() - started > params.reconnect_backoff_max) backoff = {};
      backoff = backoff.count() == 0 ? params.reconnect_backoff_initial
                                     : std::min(backoff * 2, params.reconnect_backoff_max);
      backoff_timer.expires_after(backoff);
      auto [wait_ec] = co_await backoff_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (wait_ec) break;
    }
    stopped = true;
    fail_receiver();
    co_return std::tuple{error_code{}};
  }
};

notification_listener::notification_listener(executor_type ex, listener_params params)
    : core_(std::make_shared<core>(std::move(ex), std::move(params))) {}

notification_listener::~notification_listener() { cancel(); }

void notification_listener::start_run(asio::any_completion_handler<void(error_code)> handler) {
  auto c = core_;
  detail::spawn_op(
      c->strand, [c]() { return c->run(); },
      std::move(handler));
}

void notification_listener::start_receive(receive_handler handler) {
  asio::post(core_->strand, [c = core_, h = std::move(handler)]() mutable {
    if (!c->queue.empty()) {
      auto n = std::move(c->queue.front());
      c->queue.pop_front();
      detail::post_completion(c->strand, std::move(h), error_code{}, std::move(n));
    } else if (c->stopped) {
      detail::post_completion(c->strand, std::move(h), error_code(asio::error::operation_aborted), notification{});
    } else if (c->receiver) {
      detail::post_completion(c->strand, std::move(h), error_code(errc::operation_in_progress), notification{});
    } else {
      c->receiver.emplace(std::move(h));
    }
  });
}

void notification_listener::cancel() {
  asio::post(core_->strand, [c = core_] { c->stop(); });
}

notification_listener::executor_type notification_listener::get_executor() const noexcept { return core_->strand; }

std::uint64_t notification_listener::listen_count() const noexcept { return core_->listens.load(); }

int notification_listener::backend_pid() const noexcept { return core_->pid.load(); }

}  // namespace mink::persistence

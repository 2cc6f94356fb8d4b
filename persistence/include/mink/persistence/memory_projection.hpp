#pragma once
// A projection whose read model is a value in memory: for users' unit tests and examples.

#include <mink/messaging/errc.hpp>
#include <mink/persistence/projection.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mink::persistence {

/// A projection into a `State` value (default constructible, copyable) with the semantics of
/// sql_projection: a batch is applied to a copy of the state which replaces the live one, with
/// the checkpoint, only if every handler succeeded (atomic); a rebuild fills a fresh State (the
/// shadow) while state() keeps answering from the live one, and finish swaps it in.
///
/// Handlers: `error_code(const recorded_event&, State&)`, one per event type; a returned error
/// or a thrown exception (errc::unhandled_exception, message = what()) fails the batch and names
/// the event. Completions are posted to `ex` (or the handler's associated executor), never
/// inline. Thread safety: state(), saved_checkpoint() and shadow() may be called from any thread; on()
/// only before the projection is added to a runner.
template <class State>
class memory_projection final : public projection {
 public:
  using handler_type = std::function<boost::system::error_code(const recorded_event&, State&)>;

  memory_projection(boost::asio::any_io_executor ex, std::string name) : ex_(std::move(ex)), name_(std::move(name)) {}

  /// Handles events of `event_type` (replacing an earlier handler for it).
  memory_projection& on(std::string event_type, handler_type handler) {
    handlers_.insert_or_assign(std::move(event_type), std::move(handler));
    return *this;
  }

  /// A copy of the live read model.
  State state() const {
    std::lock_guard lock(mutex_);
    return live_.state;
  }
  /// The live checkpoint (nullopt before the first batch).
  std::optional<checkpoint> saved_checkpoint() const {
    std::lock_guard lock(mutex_);
    return live_.cp;
  }
  /// A copy of the rebuild's shadow model, if a rebuild is under way.
  std::optional<State> shadow() const {
    std::lock_guard lock(mutex_);
    if (!shadow_) return std::nullopt;
    return shadow_->state;
  }

  const std::string& name() const noexcept override { return name_; }

  read_all_filter filter() const override {
    read_all_filter f;
    for (const auto& [type, handler] : handlers_) f.event_types.push_back(type);
    return f;
  }

 protected:
  void do_prepare(done_handler handler) override { complete(std::move(handler), boost::system::error_code{}); }

  void do_load_checkpoint(load_handler handler) override {
    complete(std::move(handler), boost::system::error_code{}, saved_checkpoint());
  }

  void do_apply(projection_target target, std::vector<recorded_event> events, checkpoint cp,
                apply_handler handler) override {
    apply_result result;
    boost::system::error_code ec;
    {
      std::unique_lock lock(mutex_);
      if (target == projection_target::shadow && !shadow_) {
        ec = errc::projection_busy;
      } else {
        copy next = target == projection_target::live ? live_ : *shadow_;
        lock.unlock();  // handlers run on the copy: queries are not held up
        ec = apply_all(events, next.state, result);
        lock.lock();
        if (!ec) {
          next.cp = std::move(cp);
          if (target == projection_target::live) {
            live_ = std::move(next);
          } else if (shadow_) {
            *shadow_ = std::move(next);
          }
        }
      }
    }
    complete(std::move(handler), ec, std::move(result));
  }

  void do_begin_rebuild(done_handler handler) override {
    {
      std::lock_guard lock(mutex_);
      shadow_.emplace();
    }
    complete(std::move(handler), boost::system::error_code{});
  }

  void do_finish_rebuild(checkpoint cp, done_handler handler) override {
    boost::system::error_code ec;
    {
      std::lock_guard lock(mutex_);
      if (!shadow_) {
        ec = errc::projection_busy;
      } else {
        live_.state = std::move(shadow_->state);
        cp.projection = name_;
        live_.cp = std::move(cp);
        shadow_.reset();
      }
    }
    complete(std::move(handler), ec);
  }

 private:
  struct copy {
    State state{};
    std::optional<checkpoint> cp;
  };

  boost::system::error_code apply_all(const std::vector<recorded_event>& events, State& state,
                                      apply_result& result) const {
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto it = handlers_.find(events[i].type);
      if (it == handlers_.end()) continue;  // not ours (an unfiltered read)
      boost::system::error_code ec;
      try {
        ec = it->second(events[i], state);
      } catch (const std::exception& e) {
        ec = errc::unhandled_exception;
        result.message = e.what();
      } catch (...) {
        ec = errc::unhandled_exception;
        result.message = "unknown exception";
      }
      if (ec) {
        result.failed_index = i;
        if (result.message.empty()) result.message = ec.message();
        return ec;
      }
    }
    return {};
  }

  template <class Handler, class... Args>
  void complete(Handler handler, Args... args) {
    auto handler_ex = boost::asio::get_associated_executor(handler, ex_);
    boost::asio::post(ex_, boost::asio::bind_executor(handler_ex, [h = std::move(handler), ... a = std::move(args)]() mutable {
                        std::move(h)(std::move(a)...);
                      }));
  }

  boost::asio::any_io_executor ex_;
  std::string name_;
  std::map<std::string, handler_type> handlers_;
  mutable std::mutex mutex_;
  copy live_;
  std::optional<copy> shadow_;
};

}  // namespace mink::persistence

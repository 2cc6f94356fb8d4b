#pragma once
// The command bus: middleware, outer to inner, then one handler per command type.

#include <mink/messaging/command_envelope.hpp>
#include <mink/messaging/dispatch_result.hpp>
#include <mink/messaging/middleware.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mink {

/// The innermost stage for one command type: executes the command (usually by routing it to the
/// mailbox of the actor that owns its aggregate) and answers. `env` outlives the awaitable.
using command_handler = std::function<boost::asio::awaitable<dispatch_outcome>(const command_envelope& env)>;

/// Routes commands through its middleware to their handlers.
///
/// Set-up (use, register_handler) is not thread-safe and must be done before the first dispatch;
/// after that the bus is immutable and async_dispatch may be called from any thread. The bus must
/// outlive every dispatch it started.
class command_bus {
 public:
  /// `ex` runs the pipeline's coroutines (handlers may hop to their actors' strands).
  explicit command_bus(boost::asio::any_io_executor ex);

  command_bus(const command_bus&) = delete;
  command_bus& operator=(const command_bus&) = delete;

  /// Adds `stage` inside the stages added before it: the first added is the outermost.
  command_bus& use(std::shared_ptr<middleware> stage);

  /// Registers the handler of command type `type`. A second handler for one type is
  /// errc::duplicate_registration (the first stays); an empty type or handler is errc::empty_name.
  boost::system::error_code register_handler(std::string_view type, command_handler handler);

  template <command C>
  boost::system::error_code register_handler(command_handler handler) {
    return register_handler(C::type_name, std::move(handler));
  }

  bool has_handler(std::string_view type) const;

  /// Dispatches `env` through every stage to its type's handler. A missing command id is
  /// generated (a UUID) first. Completion: void(error_code, dispatch_result) on the handler's
  /// associated executor, never inside this call. Errors: errc::invalid_command (no command),
  /// errc::no_handler, whatever the stages and the handler answer (errc::validation_failed,
  /// errc::wrong_expected_version, domain errors ...); an exception that escapes every stage is
  /// errc::unhandled_exception. The result carries the command and correlation ids either way.
  /// Cancellation: none; bound a dispatch with the timeout stage. The bus must outlive the call.
  template <class CompletionToken>
  auto async_dispatch(command_envelope env, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, dispatch_result)>(
        [this](auto handler, command_envelope e) { do_dispatch(std::move(e), std::move(handler)); }, token,
        std::move(env));
  }

  /// async_dispatch of command `c` with `options`.
  template <command C, class CompletionToken>
  auto async_dispatch(C c, dispatch_options options, CompletionToken&& token) {
    return async_dispatch(make_envelope(std::move(c), std::move(options)), std::forward<CompletionToken>(token));
  }

  /// The pipeline as a coroutine, for callers already inside one (a saga, a test of one stage).
  /// Same behaviour as async_dispatch, except that it runs on the caller's executor.
  boost::asio::awaitable<dispatch_outcome> dispatch(command_envelope env) const;

  const boost::asio::any_io_executor& get_executor() const noexcept { return ex_; }

 private:
  friend class dispatch_next;
  using dispatch_handler = boost::asio::any_completion_handler<void(boost::system::error_code, dispatch_result)>;

  void do_dispatch(command_envelope env, dispatch_handler handler);
  boost::asio::awaitable<dispatch_outcome> run_stage(command_envelope& env, std::size_t stage) const;

  boost::asio::any_io_executor ex_;
  std::vector<std::shared_ptr<middleware>> stages_;
  std::map<std::string, command_handler, std::less<>> handlers_;
};

}  // namespace mink

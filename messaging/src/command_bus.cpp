#include <mink/messaging/command_bus.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>

#include <exception>

namespace mink {

boost::asio::awaitable<dispatch_outcome> dispatch_next::operator()(command_envelope& env) const {
  return bus_->run_stage(env, stage_);
}

command_bus::command_bus(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

command_bus& command_bus::use(std::shared_ptr<middleware> stage) {
  if (stage) stages_.push_back(std::move(stage));
  return *this;
}

boost::system::error_code command_bus::register_handler(std::string_view type, command_handler handler) {
  if (type.empty() || !handler) return errc::empty_name;
  if (handlers_.find(type) != handlers_.end()) return errc::duplicate_registration;
  handlers_.emplace(std::string(type), std::move(handler));
  return {};
}

bool command_bus::has_handler(std::string_view type) const { return handlers_.find(type) != handlers_.end(); }

boost::asio::awaitable<dispatch_outcome> command_bus::run_stage(command_envelope& env, std::size_t stage) const {
  if (stage < stages_.size()) return stages_[stage]->handle(env, dispatch_next(*this, stage + 1));
  auto it = handlers_.find(env.type());
  if (it == handlers_.end()) {
    return [](std::string type) -> boost::asio::awaitable<dispatch_outcome> {
      co_return dispatch_failure(errc::no_handler, "no handler registered for command type \"" + type + "\"");
    }(std::string(env.type()));
  }
  return it->second(env);
}

boost::asio::awaitable<dispatch_outcome> command_bus::dispatch(command_envelope env) const {
  if (!env.command || env.type().empty()) co_return dispatch_failure(errc::invalid_command);
  if (env.options.command_id.empty()) env.options.command_id = new_uuid();
  dispatch_outcome out;
  try {
    out = co_await run_stage(env, 0);
  } catch (const std::exception& e) {
    out = dispatch_failure(errc::unhandled_exception, e.what());
  } catch (...) {
    out = dispatch_failure(errc::unhandled_exception);
  }
  if (out.result.command_id.empty()) out.result.command_id = env.options.command_id;
  if (out.result.correlation_id.empty()) out.result.correlation_id = env.options.correlation_id;
  co_return out;
}

void command_bus::do_dispatch(command_envelope env, dispatch_handler handler) {
  // co_spawn starts the coroutine through a post, so the handler never runs inside this call.
  auto handler_ex = boost::asio::get_associated_executor(handler, ex_);
  boost::asio::co_spawn(
      ex_, dispatch(std::move(env)),
      boost::asio::bind_executor(handler_ex,
                                 [h = std::move(handler)](std::exception_ptr ep, dispatch_outcome out) mutable {
                                   if (ep) out = dispatch_failure(errc::internal_error);
                                   std::move(h)(out.ec, std::move(out.result));
                                 }));
}

}  // namespace mink

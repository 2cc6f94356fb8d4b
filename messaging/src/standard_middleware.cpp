// The stages that only look at or fill in the envelope: recovery, logging, validation, ids.

#include <mink/messaging/correlation_middleware.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/messaging/logging_middleware.hpp>
#include <mink/messaging/recovery_middleware.hpp>
#include <mink/messaging/uuid.hpp>
#include <mink/messaging/validation_middleware.hpp>

#include <exception>

namespace mink {

boost::asio::awaitable<dispatch_outcome> recovery_middleware::handle(command_envelope& env, dispatch_next next) {
  // The message is taken inside the handler and the outcome built after it: a coroutine may not
  // co_await inside a catch block, and nothing here needs to.
  std::string failure;
  try {
    co_return co_await next(env);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  co_return dispatch_failure(errc::unhandled_exception, std::string(env.type()) + " failed: " + failure);
}

std::string format_log_record(const command_log_record& r) {
  std::string line = r.command_type;
  line += " command=" + r.command_id;
  line += " correlation=" + r.correlation_id;
  line += " aggregate=" + r.aggregate_id;
  line += ' ';
  line += std::to_string(std::chrono::duration<double, std::milli>(r.duration).count());
  line += "ms ";
  if (!r.ec) {
    line += r.replayed ? "replayed" : "ok";
  } else {
    line += "failed: ";
    line += r.error_message.empty() ? r.ec.message() : r.error_message;
  }
  return line;
}

boost::asio::awaitable<dispatch_outcome> logging_middleware::handle(command_envelope& env, dispatch_next next) {
  command_log_record record;
  record.command_type = std::string(env.type());
  record.aggregate_id = env.command->aggregate_id();
  const auto start = std::chrono::steady_clock::now();
  dispatch_outcome out;
  try {
    out = co_await next(env);
  } catch (const std::exception& e) {
    out = dispatch_failure(errc::unhandled_exception, e.what());
    record.duration = std::chrono::steady_clock::now() - start;
    record.command_id = env.options.command_id;
    record.correlation_id = env.options.correlation_id;
    record.ec = out.ec;
    record.error_message = out.result.error_message;
    if (logger_) logger_(record);
    throw;
  }
  record.duration = std::chrono::steady_clock::now() - start;
  record.command_id = env.options.command_id;
  record.correlation_id = env.options.correlation_id;
  record.ec = out.ec;
  record.error_message = out.ec ? out.result.error_message : std::string();
  record.replayed = out.result.replayed;
  if (logger_) logger_(record);
  co_return out;
}

boost::asio::awaitable<dispatch_outcome> validation_middleware::handle(command_envelope& env, dispatch_next next) {
  std::vector<field_error> errors = env.command->validate();
  if (errors.empty()) co_return co_await next(env);
  std::string message = "invalid " + std::string(env.type()) + ": ";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i) message += "; ";
    message += errors[i].field + " " + errors[i].message;
  }
  dispatch_outcome out = dispatch_failure(errc::validation_failed, std::move(message));
  out.result.field_errors = std::move(errors);
  co_return out;
}

boost::asio::awaitable<dispatch_outcome> correlation_id_middleware::handle(command_envelope& env, dispatch_next next) {
  if (env.options.correlation_id.empty()) env.options.correlation_id = new_uuid();
  co_return co_await next(env);
}

boost::asio::awaitable<dispatch_outcome> causation_id_middleware::handle(command_envelope& env, dispatch_next next) {
  if (env.options.causation_id.empty()) env.options.causation_id = env.options.command_id;
  co_return co_await next(env);
}

}  // namespace mink

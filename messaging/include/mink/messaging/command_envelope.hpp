#pragma once
// A command on its way through the command bus: the typed command behind a small erased
// interface, and everything the middleware adds to it (ids, idempotency, expected version).

#include <mink/messaging/command.hpp>
#include <mink/messaging/expected_version.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace mink {

/// The command itself, type-erased: what middleware may ask of any command.
class command_payload {
 public:
  virtual ~command_payload() = default;
  virtual std::string_view type() const noexcept = 0;
  virtual std::string aggregate_id() const = 0;
  virtual std::vector<field_error> validate() const = 0;
  virtual boost::json::value to_json() const = 0;
  virtual const std::type_info& cpp_type() const noexcept = 0;

  /// The command as `C`, or nullptr when it is another type.
  template <class C>
  const C* as() const noexcept;
};

template <command C>
class typed_command_payload final : public command_payload {
 public:
  explicit typed_command_payload(C c) : command_(std::move(c)) {}
  std::string_view type() const noexcept override { return C::type_name; }
  std::string aggregate_id() const override { return std::string(command_.aggregate_id()); }
  std::vector<field_error> validate() const override { return validate_command(command_); }
  boost::json::value to_json() const override { return boost::json::value_from(command_); }
  const std::type_info& cpp_type() const noexcept override { return typeid(C); }
  const C& get() const noexcept { return command_; }

 private:
  C command_;
};

template <class C>
const C* command_payload::as() const noexcept {
  if (cpp_type() != typeid(C)) return nullptr;
  return &static_cast<const typed_command_payload<C>&>(*this).get();
}

/// The idempotency key a command is executed under, decided by the idempotency middleware and
/// written by whoever appends the command's events, in the same transaction.
struct idempotency_request {
  std::string key;
  std::string fingerprint;  ///< Identifies the request: the same key with another one is refused.
  std::chrono::seconds ttl{};
};

/// What the caller of async_dispatch may say about a command besides the command itself.
struct dispatch_options {
  std::string command_id;      ///< A UUID identifying this command; generated when empty.
  std::string correlation_id;  ///< The conversation it belongs to; generated when empty.
  std::string causation_id;    ///< What caused it (for a saga: the event id); the command id when empty.
  std::string user_id;
  std::string tenant_id;
  std::string idempotency_key;  ///< Executes the command once per key; the command id when empty.
  /// A repeat of a key that is executing right now in this process: true waits for that
  /// execution and answers its outcome; false answers errc::idempotency_key_in_flight at once and
  /// writes nothing (an HTTP API refuses with 409 rather than hold a request).
  bool wait_for_in_flight = true;
  /// A fixed expected version (HTTP If-Match): the command fails on a conflict instead of being
  /// retried against the fresh state.
  std::optional<expected_version> expected;
  std::map<std::string, std::string> custom_metadata;
};

/// A command with its dispatch options, as every middleware stage sees it. Copies are cheap: the
/// command itself is shared and immutable.
struct command_envelope {
  std::shared_ptr<const command_payload> command;
  dispatch_options options;
  /// Set by the idempotency middleware: the key to record with the command's events.
  std::optional<idempotency_request> idempotency;

  std::string_view type() const noexcept { return command ? command->type() : std::string_view(); }
};

/// What identifies a command's request for idempotency: its type and the hash of its JSON (two
/// independent 64-bit FNV-1a hashes, as 32 hex digits). The same command gives the same
/// fingerprint in every process; another payload under the same key is then recognised as reuse.
std::string command_fingerprint(const command_payload& command);

/// An envelope for `c`.
template <command C>
command_envelope make_envelope(C c, dispatch_options options) {
  command_envelope env;
  env.command = std::make_shared<const typed_command_payload<C>>(std::move(c));
  env.options = std::move(options);
  return env;
}

/// An envelope for `c` with default options. (An overload, not a `= {}` default: GCC 12
/// mishandles a brace-initialised default argument inside a co_await expression.)
template <command C>
command_envelope make_envelope(C c) {
  return make_envelope(std::move(c), dispatch_options());
}

}  // namespace mink

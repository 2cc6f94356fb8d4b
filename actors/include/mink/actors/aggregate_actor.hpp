#pragma once
// An aggregate as an actor: it loads its state once (latest snapshot + later events), keeps it in
// memory, and executes one command at a time: decide, append with the expected version, evolve.

#include <mink/messaging/command_envelope.hpp>
#include <mink/messaging/decider.hpp>
#include <mink/messaging/dispatch_result.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/messaging/fail_point.hpp>
#include <mink/persistence/aggregate_repository.hpp>
#include <mink/persistence/command_record.hpp>
#include <mink/persistence/event_store.hpp>
#include <mink/persistence/snapshot_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace mink::actors {

/// The stores aggregate actors work with; they must outlive every actor.
struct aggregate_services {
  persistence::event_store* events = nullptr;
  persistence::snapshot_store* snapshots = nullptr;  ///< Optional: no snapshots without it.
};

struct aggregate_params {
  /// Save a snapshot whenever the version crosses a multiple of this (0: never). Needs a snapshot
  /// store and Boost.JSON conversions of the decider's state_type.
  std::uint64_t snapshot_every = 0;
  /// When an append conflicts (another writer moved the stream) and the command fixed no expected
  /// version: reload and decide again, at most this many times.
  unsigned conflict_retries = 3;
  std::size_t read_page_size = 512;
};

/// The state of one aggregate of decider `D` and the command loop over it. Not thread-safe: its
/// registry runs it on its own strand, one message at a time. Also usable alone (one object per
/// command) as a load-execute-save handler.
template <decider D>
class aggregate_actor {
 public:
  using state_type = typename D::state_type;
  using event_type = typename D::event_type;
  using codec = event_codec<event_type>;

  aggregate_actor(std::string stream_id, aggregate_services services, aggregate_params params)
      : stream_id_(std::move(stream_id)), services_(services), params_(params) {}

  const std::string& stream_id() const noexcept { return stream_id_; }
  std::uint64_t version() const noexcept { return version_; }
  bool hydrated() const noexcept { return hydrated_; }
  const state_type& state() const noexcept { return state_; }

  /// Executes command `C` (the envelope's command must be a C): decides against the current
  /// state, appends the events with the expected version (the envelope's, else the current one)
  /// and the envelope's idempotency claim, then evolves. A domain error answers the decider's
  /// error code with its message; a conflict without a fixed expected version is retried against
  /// the reloaded state. A fixed expected version the held state does not meet reloads it before
  /// deciding; an append that lands after events this actor has not seen (expected any) leaves
  /// the state to be reloaded before the next command. An exception from decide or evolve
  /// propagates (the state is reloaded before the next command).
  template <class C>
    requires decides<D, C>
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope env) {
    const C* command = env.command ? env.command->template as<C>() : nullptr;
    if (command == nullptr) co_return dispatch_failure(errc::invalid_command);
    for (unsigned attempt = 0;; ++attempt) {
      // A fixed expectation the held version does not meet (a caller that has seen later events):
      // the stream may have moved without this actor, so decide against what is stored.
      if (hydrated_ && env.options.expected && !env.options.expected->accepts(version_)) hydrated_ = false;
      if (!hydrated_) {
        boost::system::error_code load_ec = co_await hydrate();
        if (load_ec) co_return dispatch_failure(load_ec);
      }
      decision<event_type> decided = decide_guarded(*command);
      if (!decided) co_return dispatch_failure(decided.error());

      dispatch_result partial;
      partial.command_id = env.options.command_id;
      partial.correlation_id = env.options.correlation_id;
      partial.stream_id = stream_id_;
      partial.event_count = decided->size();
      if (decided->empty()) {
        partial.version = version_;
        dispatch_outcome nothing;
        nothing.result = std::move(partial);
        co_return nothing;
      }

      const event_metadata metadata = metadata_of(env);
      std::vector<event_data> events;
      events.reserve(decided->size());
      for (const auto& e : *decided) events.push_back(codec::encode(e, metadata));
      const expected_version expected = env.options.expected ? *env.options.expected : current_expectation();
      persistence::append_options options;
      if (env.idempotency) options.idempotency = persistence::command_claim(*env.idempotency, partial);

      auto [ec, appended] = co_await services_.events->async_append(
          stream_id_, expected, std::move(events), std::move(options), boost::asio::as_tuple(boost::asio::use_awaitable));
      if (!ec) {
        // Crash tests: the events are committed, the caller has no answer yet.
        fail_point("command.after_append");
        if (appended.replayed) {
          hydrated_ = false;  // someone else's append: read it before deciding again
        } else if (appended.version != version_ + decided->size()) {
          hydrated_ = false;  // appended after events this actor has not seen (expected any): reload
        } else {
          evolve_all(*decided, appended.version);
          co_await maybe_snapshot(appended.version - decided->size());
        }
        dispatch_outcome done;
        done.result = persistence::dispatch_result_from_append(appended, std::move(partial));
        co_return done;
      }
      hydrated_ = false;  // whatever failed, the stored stream is the truth: reload it
      if (ec == errc::wrong_expected_version && !env.options.expected && attempt < params_.conflict_retries) continue;
      dispatch_outcome failed = dispatch_failure(ec);
      if (ec == errc::wrong_expected_version) {
        failed.result.error_message = appended.conflict_message();
        failed.result.expected = appended.expected;
        failed.result.actual_version = appended.actual_version;
      }
      failed.result.command_id = partial.command_id;
      failed.result.correlation_id = partial.correlation_id;
      failed.result.stream_id = stream_id_;
      co_return failed;
    }
  }

  /// Loads the state: the latest snapshot (if any and readable), then every later event. A stream
  /// shorter than the snapshot interval cannot have a snapshot worth reading: it is read whole in
  /// one round trip, and the snapshot store is asked only for longer streams.
  boost::asio::awaitable<boost::system::error_code> hydrate() {
    state_ = state_type();
    version_ = 0;
    if (snapshots_enabled()) {
      auto [ec, head] = co_await services_.events->async_read_stream(
          stream_id_, 1, params_.snapshot_every, persistence::read_direction::forward,
          boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec == errc::stream_not_found) co_return loaded();
      if (ec) co_return ec;
      if (head.size() < params_.snapshot_every) co_return apply_page(head, true);
      co_await restore_snapshot();
      if (version_ == 0) {
        // No usable snapshot: the head already read is the start of the stream.
        boost::system::error_code applied = apply_page(head, false);
        if (applied) co_return applied;
      }
    }
    auto [ec, rest] =
        co_await persistence::read_stream_from(*services_.events, stream_id_, version_ + 1, params_.read_page_size);
    if (ec) co_return ec;
    co_return apply_page(rest, true);
  }

 private:
  bool snapshots_enabled() const noexcept {
    return snapshottable && services_.snapshots != nullptr && params_.snapshot_every > 0;
  }

  /// Evolves the state through `page`; with `last`, the state is then complete.
  boost::system::error_code apply_page(const std::vector<recorded_event>& page, bool last) {
    for (const auto& recorded : page) {
      auto decoded = codec::decode(recorded);
      if (!decoded) return decoded.error();
      state_ = D::evolve(std::move(state_), *decoded);
      version_ = recorded.version;
    }
    if (last) hydrated_ = true;
    return {};
  }

  boost::system::error_code loaded() noexcept {
    hydrated_ = true;
    return {};
  }

  // Boost.JSON's own traits: value_from on a type without conversions fails hard, not in a
  // requires-expression.
  static constexpr bool snapshottable =
      boost::json::has_value_from<state_type>::value && boost::json::has_value_to<state_type>::value;

  expected_version current_expectation() const noexcept {
    return version_ == 0 ? expected_version::no_stream() : expected_version::exact(version_);
  }

  static event_metadata metadata_of(const command_envelope& env) {
    event_metadata m;
    m.correlation_id = env.options.correlation_id;
    m.causation_id = env.options.causation_id;
    m.user_id = env.options.user_id;
    m.tenant_id = env.options.tenant_id;
    m.custom = env.options.custom_metadata;
    return m;
  }

  template <class C>
  decision<event_type> decide_guarded(const C& command) {
    try {
      return D::decide(state_, command);
    } catch (...) {
      hydrated_ = false;
      throw;
    }
  }

  void evolve_all(const std::vector<event_type>& events, std::uint64_t new_version) {
    try {
      for (const auto& e : events) state_ = D::evolve(std::move(state_), e);
      version_ = new_version;
    } catch (...) {
      hydrated_ = false;  // the events are stored; the state in memory is not to be trusted
      throw;
    }
  }

  boost::asio::awaitable<void> restore_snapshot() {
    if constexpr (snapshottable) {
      if (!snapshots_enabled()) co_return;
      auto [ec, found] = co_await services_.snapshots->async_load(stream_id_, boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec || !found) co_return;  // no snapshot is only slower: the events are all there
      auto restored = boost::json::try_value_to<state_type>(found->data);
      if (!restored) co_return;
      state_ = std::move(*restored);
      version_ = found->version;
    }
    co_return;
  }

  boost::asio::awaitable<void> maybe_snapshot(std::uint64_t previous_version) {
    if constexpr (snapshottable) {
      if (!snapshots_enabled()) co_return;
      const std::uint64_t every = params_.snapshot_every;
      if (version_ / every == previous_version / every) co_return;
      persistence::snapshot s;
      s.stream_id = stream_id_;
      s.version = version_;
      s.data = boost::json::value_from(state_);
      // A failed snapshot costs a longer load later, nothing else.
      auto [ignored] = co_await services_.snapshots->async_save(std::move(s), boost::asio::as_tuple(boost::asio::use_awaitable));
      (void)ignored;
    }
    co_return;
  }

  std::string stream_id_;
  aggregate_services services_;
  aggregate_params params_;
  state_type state_{};
  std::uint64_t version_ = 0;
  bool hydrated_ = false;
};

}  // namespace mink::actors

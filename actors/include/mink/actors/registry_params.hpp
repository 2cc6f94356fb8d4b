#pragma once
// Configuration and counters of the actor runtime.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mink::actors {

/// What a sender meets when the target actor's mailbox is full.
enum class overflow_policy {
  reject,  ///< The message fails at once with errc::mailbox_full (counted in registry_stats::rejected).
  wait,    ///< The message is held, in send order, until the mailbox has room; then it runs.
};

/// Per-actor settings.
struct actor_params {
  /// Messages an actor may hold that it has not started yet (the one it is handling has left the
  /// mailbox). A capacity of 0 is taken as 1.
  std::size_t mailbox_capacity = 256;
  overflow_policy overflow = overflow_policy::reject;
};

/// Settings of an actor_registry.
struct registry_params {
  actor_params actor;
  /// An actor with nothing to do for this long is passivated. Zero: never passivate for idleness.
  std::chrono::steady_clock::duration idle_timeout = std::chrono::minutes(5);
  /// Beyond this many active actors, the least recently used idle ones are passivated. Busy actors
  /// (handling a message or with mail queued) are never passivated, so the count may exceed it
  /// while they are.
  std::size_t max_active = 100000;
};

/// A snapshot of a registry's counters.
struct registry_stats {
  std::size_t active = 0;             ///< Actors in memory now.
  std::uint64_t activations = 0;      ///< Actors activated since the registry was made.
  std::uint64_t passivations = 0;     ///< Actors passivated since the registry was made.
  std::size_t mailbox_depth = 0;      ///< Messages queued now, all actors (not counting waiting senders).
  std::size_t max_mailbox_depth = 0;  ///< The deepest any one mailbox has been.
  std::uint64_t rejected = 0;         ///< Messages failed with errc::mailbox_full.
};

}  // namespace mink::actors

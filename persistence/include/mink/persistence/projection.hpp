#pragma once
// A projection: a read model built from the global log, driven by actors::projection_runner.

#include <mink/messaging/event.hpp>
#include <mink/persistence/checkpoint_store.hpp>
#include <mink/persistence/event_store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace mink::persistence {

/// Which copy of the read model a write goes to: the live one that queries read, or the shadow
/// that a rebuild fills before it replaces the live one.
enum class projection_target { live, shadow };

/// The outcome of applying a batch: on failure, which event failed (when the projection can
/// tell) and the error's detail (e.g. the database's message).
struct apply_result {
  static constexpr std::size_t unknown = std::numeric_limits<std::size_t>::max();
  /// Index into the batch of the failing event; `unknown` when the failure belongs to no one
  /// event (a lost connection, a failed COMMIT) or nothing failed.
  std::size_t failed_index = unknown;
  std::string message;
};

/// The read-model target that projection_runner drives. Implementations: sql_projection
/// (PostgreSQL tables), memory_projection (in memory, for tests).
///
/// Contract: a batch and its checkpoint are applied atomically (both or neither), so a
/// projection applies every event exactly once however often the runner crashes and restarts.
/// The runner calls one operation at a time per projection. Every operation completes on the
/// handler's associated executor, never inside the initiating call; the projection must outlive
/// its operations. Thread safety: implementations guard their state for concurrent readers
/// (queries) but expect the runner's serialized calls.
class projection {
 public:
  virtual ~projection() = default;

  /// The projection's name: its checkpoint key (the shadow's is shadow_checkpoint_name()).
  virtual const std::string& name() const noexcept = 0;
  /// The events it handles: one event type per handler.
  virtual read_all_filter filter() const = 0;

  /// Creates the live read model if it does not exist (idempotent). Completion: void(error_code).
  template <class CompletionToken>
  auto async_prepare(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { do_prepare(std::move(handler)); }, token);
  }

  /// The live checkpoint, or nullopt before the first batch.
  /// Completion: void(error_code, std::optional<checkpoint>).
  template <class CompletionToken>
  auto async_load_checkpoint(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::optional<checkpoint>)>(
        [this](auto handler) { do_load_checkpoint(std::move(handler)); }, token);
  }

  /// Applies `events` (in log order; may be empty) to `target` and saves `cp` (the live or the
  /// shadow checkpoint, by target) atomically: both or nothing. Completion:
  /// void(error_code, apply_result): the handler's or the database's error; apply_result names
  /// the failing event when known. Nothing of the batch is kept on error.
  template <class CompletionToken>
  auto async_apply(projection_target target, std::vector<recorded_event> events, checkpoint cp,
                   CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, apply_result)>(
        [this](auto handler, projection_target t, std::vector<recorded_event> e, checkpoint c) {
          do_apply(t, std::move(e), std::move(c), std::move(handler));
        },
        token, target, std::move(events), std::move(cp));
  }

  /// Starts a rebuild: drops any earlier shadow and creates a fresh empty one. Queries keep
  /// reading the live model. Completion: void(error_code).
  template <class CompletionToken>
  auto async_begin_rebuild(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { do_begin_rebuild(std::move(handler)); }, token);
  }

  /// Replaces the live model by the shadow and saves `cp` as the live checkpoint, atomically.
  /// Completion: void(error_code); on error the live model is unchanged.
  template <class CompletionToken>
  auto async_finish_rebuild(checkpoint cp, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler, checkpoint c) { do_finish_rebuild(std::move(c), std::move(handler)); }, token,
        std::move(cp));
  }

  /// The checkpoint name of a rebuild's shadow: "<name>#rebuild".
  std::string shadow_checkpoint_name() const { return name() + "#rebuild"; }

 protected:
  using done_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
  using load_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<checkpoint>)>;
  using apply_handler = boost::asio::any_completion_handler<void(boost::system::error_code, apply_result)>;

  virtual void do_prepare(done_handler handler) = 0;
  virtual void do_load_checkpoint(load_handler handler) = 0;
  virtual void do_apply(projection_target target, std::vector<recorded_event> events, checkpoint cp,
                        apply_handler handler) = 0;
  virtual void do_begin_rebuild(done_handler handler) = 0;
  virtual void do_finish_rebuild(checkpoint cp, done_handler handler) = 0;
};

}  // namespace mink::persistence

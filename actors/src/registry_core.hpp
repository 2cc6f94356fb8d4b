#pragma once
// The state an actor_registry shares with its actors' run loops and its sweeper.

#include "job_queue.hpp"

#include <mink/actors/detail/registry_core.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mink::actors::detail {

using clock_type = std::chrono::steady_clock;

/// One active actor. Everything but `state` is guarded by the registry's mutex; `state` belongs to
/// the actor's run loop while `running`, and to the registry otherwise.
struct actor_slot {
  explicit actor_slot(const boost::asio::any_io_executor& ex);

  const std::string* key = nullptr;  // the map's own copy
  boost::asio::strand<boost::asio::any_io_executor> strand;
  void* state = nullptr;  // the user's Actor, made on the strand before the first message runs
  job_queue mailbox;
  job_queue waiting;  // senders held by overflow_policy::wait, in send order
  std::size_t depth = 0;
  actor_slot* idle_prev = nullptr;  // the idle list, least recently used first
  actor_slot* idle_next = nullptr;
  clock_type::time_point idle_since;
  bool idle = false;
  bool running = false;  // a run loop owns the actor
};

class registry_core : public std::enable_shared_from_this<registry_core> {
 public:
  registry_core(boost::asio::any_io_executor ex, registry_params params, actor_type_ops ops);
  ~registry_core();
  registry_core(const registry_core&) = delete;
  registry_core& operator=(const registry_core&) = delete;

  void submit(std::string key, std::unique_ptr<job> j);
  void shutdown(shutdown_handler handler);
  void stop() noexcept;
  registry_stats stats() const;

  const boost::asio::any_io_executor& executor() const noexcept { return ex_; }

  /// The run loop's next message, or null when the mailbox is empty: the loop must end, and the
  /// actor is idle (or passivated) from then on.
  std::unique_ptr<job> take_next(actor_slot& slot);

  /// Makes the actor's state object if it has none. Called on the actor's strand, outside the lock.
  boost::system::error_code ensure_state(actor_slot& slot) noexcept;

 private:
  using map_type = std::unordered_map<std::string, actor_slot>;

  // What a critical section leaves to do after the lock is released: user destructors run and
  // handlers are queued outside it.
  struct aftermath {
    std::vector<map_type::node_type> passivated;
    std::vector<shutdown_handler> done;
  };

  void link_idle(actor_slot& slot, clock_type::time_point now) noexcept;
  void unlink_idle(actor_slot& slot) noexcept;
  void passivate(actor_slot& slot, aftermath& after);
  void enforce_max_active(aftermath& after);
  void begin_stop(aftermath& after);
  void collect_done(aftermath& after);
  void arm_sweeper();
  void sweep();
  void finish(aftermath& after);

  const boost::asio::any_io_executor ex_;
  const std::size_t capacity_;
  const overflow_policy overflow_;
  const clock_type::duration idle_timeout_;
  const std::size_t max_active_;
  const actor_type_ops ops_;

  mutable std::mutex mtx_;
  map_type actors_;
  actor_slot* idle_head_ = nullptr;
  actor_slot* idle_tail_ = nullptr;
  boost::asio::steady_timer sweeper_;  // one per registry: waits for the oldest idle actor
  bool sweeper_armed_ = false;
  bool stopping_ = false;
  std::size_t destroying_ = 0;  // passivated, state not yet destroyed
  std::vector<shutdown_handler> shutdown_handlers_;
  std::uint64_t activations_ = 0;
  std::uint64_t passivations_ = 0;
  std::size_t mailbox_depth_ = 0;
  std::size_t max_mailbox_depth_ = 0;
  std::uint64_t rejected_ = 0;
};

}  // namespace mink::actors::detail

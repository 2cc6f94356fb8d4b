#pragma once
// Aggregates as objects: apply() records an uncommitted event and evolves the state. Both styles
// (an object deriving from aggregate_base, or decider_aggregate over a pure decider) are saved and
// loaded by the same repository.

#include <mink/messaging/decider.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mink {

/// Base of an aggregate written in the object style:
///   class order : public mink::aggregate_base<order, order_event> {
///    public:
///     static constexpr std::string_view category = "Order";
///     boost::system::error_code add_item(...) { if (...) return order_errc::...; apply(item_added{...}); return {}; }
///     void when(const order_event& e);  // evolves the members from one event
///   };
/// version() is the stream version the object was loaded at (or last saved at); uncommitted events
/// are those applied since. Not thread-safe: one object per caller.
template <class Derived, class EventVariant>
class aggregate_base {
 public:
  using event_type = EventVariant;

  const std::string& id() const noexcept { return id_; }
  void set_id(std::string id) { id_ = std::move(id); }
  std::string stream_id() const { return stream_id_of<Derived>(id_); }

  /// The version loaded or saved; the expected version of the next save.
  std::uint64_t version() const noexcept { return version_; }
  const std::vector<event_type>& uncommitted_events() const noexcept { return uncommitted_; }

  /// Replays one stored event (loading): evolves without recording it.
  void load_from_history(const event_type& e) {
    derived().when(e);
    ++version_;
  }
  /// After a save at `new_version`: the uncommitted events are now stored.
  void mark_committed(std::uint64_t new_version) {
    uncommitted_.clear();
    version_ = new_version;
  }
  /// Restores the version a snapshot was taken at (the state itself is restored by the caller).
  void restore_version(std::uint64_t version) noexcept { version_ = version; }

 protected:
  aggregate_base() = default;
  explicit aggregate_base(std::string id) : id_(std::move(id)) {}

  /// Records `e` as uncommitted and evolves the object with it.
  void apply(event_type e) {
    derived().when(e);
    uncommitted_.push_back(std::move(e));
  }

 private:
  Derived& derived() noexcept { return static_cast<Derived&>(*this); }

  std::string id_;
  std::uint64_t version_ = 0;
  std::vector<event_type> uncommitted_;
};

/// The object style over a pure decider: execute(command) decides, then applies the events.
template <decider D>
class decider_aggregate : public aggregate_base<decider_aggregate<D>, typename D::event_type> {
 public:
  using state_type = typename D::state_type;
  static constexpr std::string_view category = D::category;

  decider_aggregate() = default;
  explicit decider_aggregate(std::string id) : aggregate_base<decider_aggregate<D>, typename D::event_type>(std::move(id)) {}

  const state_type& state() const noexcept { return state_; }
  void restore_state(state_type s) { state_ = std::move(s); }

  /// Decides `c` against the current state and applies its events; a domain error changes nothing.
  template <class C>
    requires decides<D, C>
  boost::system::error_code execute(const C& c) {
    decision<typename D::event_type> d = D::decide(state_, c);
    if (!d) return d.error();
    for (auto& e : *d) this->apply(std::move(e));
    return {};
  }

  void when(const typename D::event_type& e) { state_ = D::evolve(std::move(state_), e); }

 private:
  state_type state_{};
};

}  // namespace mink

#pragma once
// Loading and saving aggregates without actors: load, change, save with the loaded version as the
// expected one.

#include <mink/messaging/aggregate_base.hpp>
#include <mink/persistence/event_store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace mink::persistence {

/// The events of `stream_id` from version `from` on, in order, read in pages of `page_size` (0:
/// 512). A stream that does not exist, or has nothing from `from` on, gives none (not an error).
/// For callers already inside a coroutine; `store` must outlive it.
boost::asio::awaitable<std::tuple<boost::system::error_code, std::vector<recorded_event>>> read_stream_from(
    event_store& store, std::string stream_id, std::uint64_t from, std::size_t page_size);

/// Every event of `stream_id` in order, read in pages of `page_size` by a coroutine on `ex`; a
/// stream that does not exist gives no events (not an error). Completion:
/// void(error_code, std::vector<recorded_event>), never inline. `store` must outlive the operation.
void read_whole_stream(const boost::asio::any_io_executor& ex, event_store& store, std::string stream_id, std::size_t page_size,
                       boost::asio::any_completion_handler<void(boost::system::error_code, std::vector<recorded_event>)>
                           handler);

/// Loads and saves aggregates of type `Aggregate`: an aggregate_base (or decider_aggregate)
/// with a default constructor. Thread-safe as its store is; each aggregate object belongs to one
/// caller at a time.
template <class Aggregate>
class aggregate_repository {
 public:
  using event_type = typename Aggregate::event_type;

  /// `ex` runs the paged reads of a load; `store` must outlive the repository.
  aggregate_repository(boost::asio::any_io_executor ex, event_store& store, std::size_t page_size = 512)
      : ex_(std::move(ex)), store_(store), page_size_(page_size) {}

  /// The aggregate `id` rebuilt from its stream (version 0 and no events when it does not exist).
  /// Completion: void(error_code, Aggregate). Errors: the store's, errc::unknown_event_type and
  /// errc::invalid_event_data for a stored event the aggregate cannot read.
  template <class CompletionToken>
  auto async_load(std::string id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, Aggregate)>(
        [this](auto handler, std::string aggregate_id) {
          std::string stream = stream_id_of<Aggregate>(aggregate_id);
          auto ex = boost::asio::get_associated_executor(handler, ex_);
          read_whole_stream(ex_, store_, std::move(stream), page_size_,
                            boost::asio::bind_executor(
                                ex, [h = std::move(handler), aggregate_id = std::move(aggregate_id)](
                                        boost::system::error_code ec, std::vector<recorded_event> events) mutable {
                                  Aggregate aggregate;
                                  aggregate.set_id(std::move(aggregate_id));
                                  if (!ec) ec = replay(aggregate, events);
                                  std::move(h)(ec, std::move(aggregate));
                                }));
        },
        token, std::move(id));
  }

  /// Appends the aggregate's uncommitted events, expecting the stream at aggregate.version()
  /// (no stream at version 0), with `metadata` on each; on success the events become committed
  /// and version() the new one. Completion: void(error_code, append_result). A conflict is
  /// errc::wrong_expected_version and result.conflict_message() reads
  /// `concurrency conflict on stream "Order-1": expected version 1, got 2`; reload and retry.
  /// With no uncommitted events: errc::no_events. `aggregate` must outlive the operation.
  template <class CompletionToken>
  auto async_save(Aggregate& aggregate, event_metadata metadata, CompletionToken&& token) {
    std::vector<event_data> events;
    events.reserve(aggregate.uncommitted_events().size());
    for (const auto& e : aggregate.uncommitted_events()) events.push_back(event_codec<event_type>::encode(e, metadata));
    const expected_version expected =
        aggregate.version() == 0 ? expected_version::no_stream() : expected_version::exact(aggregate.version());
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, append_result)>(
        [this, &aggregate](auto handler, std::vector<event_data> ev, expected_version exp) {
          auto ex = boost::asio::get_associated_executor(handler, ex_);
          store_.async_append(aggregate.stream_id(), exp, std::move(ev),
                              boost::asio::bind_executor(ex, [h = std::move(handler), &aggregate](
                                                                 boost::system::error_code ec, append_result r) mutable {
                                if (!ec) aggregate.mark_committed(r.version);
                                std::move(h)(ec, std::move(r));
                              }));
        },
        token, std::move(events), expected);
  }

  template <class CompletionToken>
  auto async_save(Aggregate& aggregate, CompletionToken&& token) {
    return async_save(aggregate, event_metadata{}, std::forward<CompletionToken>(token));
  }

 private:
  static boost::system::error_code replay(Aggregate& aggregate, const std::vector<recorded_event>& events) {
    for (const auto& e : events) {
      auto decoded = event_codec<event_type>::decode(e);
      if (!decoded) return decoded.error();
      aggregate.load_from_history(*decoded);
    }
    return {};
  }

  boost::asio::any_io_executor ex_;
  event_store& store_;
  std::size_t page_size_;
};

}  // namespace mink::persistence

#pragma once
// An event store that writes inline projections' read models in each append's own transaction.

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_event_store.hpp>
#include <mink/persistence/sql_projection.hpp>

#include <vector>

namespace mink::persistence {

/// event_store in front of a pg_event_store: every append (and unit of work) runs in one
/// transaction of its own (BEGIN, pg_event_store::async_commit_in, the handlers of every added
/// sql_projection for the new events, on their live tables, COMMIT), so a read model is never
/// behind its events: a query after the append sees them. A failing handler or statement fails
/// the append (nothing is written; the error is the handler's or the database's). Replayed
/// appends write nothing, and their rows are not written again.
///
/// Such a projection keeps no checkpoint; register it with the runner in projection_mode::inline_
/// (status only; rebuild refused). Appends here are not coalesced with others (one transaction
/// each); retryable database errors are retried up to 3 times. Reads go to the wrapped store.
///
/// Lifetimes: the pool, the wrapped store and the projections must outlive this store and its
/// operations. Thread safety: add() before use; operations as event_store.
class inline_projection_store final : public event_store {
 public:
  inline_projection_store(connection_pool& pool, pg_event_store& inner, std::size_t max_event_bytes = default_max_event_bytes)
      : pool_(pool), inner_(inner), max_event_bytes_(max_event_bytes) {}

  /// Writes `p` inline from now on.
  void add(sql_projection& p) { projections_.push_back(&p); }

 protected:
  void do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                 append_options options, append_handler handler) override;
  void do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count, read_direction direction,
                      read_stream_handler handler) override;
  void do_read_all(log_position after, std::size_t max_count, read_all_filter filter,
                   read_all_handler handler) override;
  void do_stream_info(std::string stream_id, stream_info_handler handler) override;
  void do_commit(unit_of_work unit, commit_handler handler) override;
  void do_log_position_of(std::int64_t position, log_position_handler handler) override;
  void do_head_position(head_position_handler handler) override;

 private:
  connection_pool& pool_;
  pg_event_store& inner_;
  std::size_t max_event_bytes_;
  std::vector<sql_projection*> projections_;
};

}  // namespace mink::persistence

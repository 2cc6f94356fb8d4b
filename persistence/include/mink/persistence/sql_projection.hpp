#pragma once
// A projection into a PostgreSQL table, with its checkpoint in the same transaction.

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_checkpoint_store.hpp>
#include <mink/persistence/pipeline.hpp>
#include <mink/persistence/projection.hpp>
#include <mink/persistence/query_params.hpp>
#include <mink/persistence/statement.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mink::persistence {

/// Collects the statements of one batch; they run in the batch's transaction, in order, sent as
/// one pipeline. Handlers write to table(): the live table, or the shadow during a rebuild.
class sql_writer {
 public:
  explicit sql_writer(std::string table) : table_(std::move(table)) {}

  /// The table to write (an unquoted identifier: the live or the shadow table's name).
  const std::string& table() const noexcept { return table_; }
  /// Adds a statement ($1, $2 ... bound to `params`). It runs as a prepared statement, prepared
  /// once per connection (named after its text): a projection repeats a handful of statement
  /// shapes, so the server parses and plans each once, not once per event.
  void add(std::string sql, query_params params) { batch_.add(statement(std::move(sql)), std::move(params)); }

  std::size_t size() const noexcept { return batch_.size(); }
  /// The statements so far (moved out by the projection when the batch is sent).
  pipeline& statements() noexcept { return batch_; }

 private:
  std::string table_;
  pipeline batch_;
};

/// Turns one event into statements. A returned error fails the batch (and names the event).
using sql_handler = std::function<boost::system::error_code(const recorded_event&, sql_writer&)>;

/// `sql` with every "{table}" replaced by `table`: how create_table_sql is made concrete for the
/// live or the shadow table (and for tools that create the table themselves).
std::string table_sql(const std::string& sql, const std::string& table);

struct sql_projection_params {
  std::string name;   ///< Projection name (checkpoint key).
  std::string table;  ///< The live read-model table (an unquoted identifier).
  /// The table and its indexes; "{table}" stands for the table name (live or shadow). Run with
  /// async_run_script; must be idempotent (IF NOT EXISTS). Name indexes "{table}_..." so that a
  /// rebuild's shadow gets names of its own.
  std::string create_table_sql;
};

/// projection on PostgreSQL. A batch is one transaction: BEGIN, the handlers' statements as one
/// pipeline, the checkpoint (mink_checkpoints), COMMIT. A failing statement rolls back the rows
/// and the checkpoint together, and apply_result names the event whose statement failed.
///
/// Rebuild: the shadow is the table "<table>_rebuild", created fresh by create_table_sql; the
/// shadow checkpoint is "<name>#rebuild". The swap, in one transaction, drops the live table,
/// renames the shadow (and its indexes "<table>_rebuild..." to "<table>...") to the live name and
/// saves the live checkpoint. Queries read the live table until the swap commits (they wait for
/// its lock, then see the new table).
///
/// Lifetimes: the pool must outlive the projection and its operations. Thread safety: on() only
/// before use; operations as projection.hpp says.
class sql_projection final : public projection {
 public:
  sql_projection(connection_pool& pool, sql_projection_params params);

  /// Handles events of `event_type` (one handler per type; a second replaces the first).
  sql_projection& on(std::string event_type, sql_handler handler);

  /// For a cache of the live table kept by this process: `changed` is told which events' rows
  /// may have changed, after each batch to the live table once its COMMIT has been answered,
  /// whatever the answer (a failed COMMIT may still have committed), and before the batch's
  /// operation completes, so before projection_runner counts its position as applied (a
  /// read-your-writes wait then finds the cache already invalidated). `replaced` is called the
  /// same way after a rebuild's swap: any row may have changed. Both must be quick and must not
  /// throw. Set before use, like on().
  sql_projection& on_live_change(std::function<void(const std::vector<recorded_event>& events)> changed,
                                 std::function<void()> replaced);

  const std::string& name() const noexcept override { return params_.name; }
  read_all_filter filter() const override;
  const std::string& table() const noexcept { return params_.table; }
  std::string shadow_table() const { return params_.table + "_rebuild"; }

  /// Inline mode: applies `events` to the live table on `tx`, a connection in the caller's open
  /// transaction (an append's), without a checkpoint. Nothing is committed here; on error the
  /// caller must roll back. `tx` must outlive the operation.
  /// Completion: void(error_code, apply_result).
  template <class CompletionToken>
  auto async_apply_in(pooled_connection& tx, std::vector<recorded_event> events, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, apply_result)>(
        [this, &tx](auto handler, std::vector<recorded_event> e) { apply_in(tx, std::move(e), std::move(handler)); },
        token, std::move(events));
  }

 protected:
  void do_prepare(done_handler handler) override;
  void do_load_checkpoint(load_handler handler) override;
  void do_apply(projection_target target, std::vector<recorded_event> events, checkpoint cp,
                apply_handler handler) override;
  void do_begin_rebuild(done_handler handler) override;
  void do_finish_rebuild(checkpoint cp, done_handler handler) override;

 private:
  void apply_in(pooled_connection& tx, std::vector<recorded_event> events, apply_handler handler);

  connection_pool& pool_;
  pg_checkpoint_store checkpoints_;
  sql_projection_params params_;
  std::map<std::string, sql_handler> handlers_;
  std::function<void(const std::vector<recorded_event>&)> live_changed_;
  std::function<void()> live_replaced_;
};

}  // namespace mink::persistence

#pragma once
// A batch of statements sent in one round trip using libpq's pipeline mode.

#include <mink/persistence/query_params.hpp>
#include <mink/persistence/statement.hpp>

#include <string>
#include <utility>
#include <vector>

namespace mink::persistence {

/// Statements to run back to back without waiting for each answer. PostgreSQL runs a pipeline
/// as one implicit transaction unless it contains explicit BEGIN/COMMIT: the first failure aborts
/// the rest (they complete with client_errc::pipeline_aborted) and nothing of it is committed.
class pipeline {
 public:
  struct step {
    std::string sql;             ///< SQL text; for prepared steps, the statement's SQL.
    std::string prepared_name;   ///< Non-empty: execute this prepared statement.
    query_params params;
  };

  pipeline& add(std::string sql, query_params params = {}) {
    steps_.push_back({std::move(sql), {}, std::move(params)});
    return *this;
  }

  pipeline& add(const statement& stmt, query_params params = {}) {
    steps_.push_back({stmt.sql(), stmt.name(), std::move(params)});
    return *this;
  }

  std::size_t size() const noexcept { return steps_.size(); }
  bool empty() const noexcept { return steps_.empty(); }
  const std::vector<step>& steps() const noexcept { return steps_; }
  void reserve(std::size_t n) { steps_.reserve(n); }

 private:
  std::vector<step> steps_;
};

}  // namespace mink::persistence

#pragma once
// mink's PostgreSQL schema, applied by the library itself.

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

namespace mink::persistence {

/// The newest schema version this build knows.
int latest_schema_version() noexcept;

void start_migrate(connection_pool& pool, boost::asio::any_completion_handler<void(boost::system::error_code, int)> handler);

/// Brings the database to latest_schema_version(): applies each missing version once, in order, in
/// one transaction, recorded in mink_schema_migrations. Two processes migrating at the same time
/// are serialized by an advisory lock, so each version is applied exactly once.
/// Completion: void(error_code, int version): the schema version now in place.
/// Errors: errc::schema_too_new when the database holds a version this build does not know
/// (an older binary must not write to a newer schema); the pool's and the database's errors.
template <class CompletionToken>
auto async_migrate(connection_pool& pool, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, int)>(
      [&pool](auto handler) { start_migrate(pool, std::move(handler)); },
      token);
}

}  // namespace mink::persistence

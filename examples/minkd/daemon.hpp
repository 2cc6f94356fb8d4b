#pragma once
// Running minkd: the database, the e-commerce system and the HTTP server on one io_context, from
// start to a clean stop on SIGINT or SIGTERM.

#include "config.hpp"
#include "log.hpp"

namespace minkd {

/// Starts the database (embedded unless a URL is configured), migrates it, serves HTTP on
/// settings.listen until SIGINT or SIGTERM, then stops in order: no new connections, requests in
/// flight finished (at most shutdown_timeout), projections, sagas and order actors stopped, pool
/// closed, embedded server stopped. Prints `minkd listening on http://ADDR:PORT` on stdout once
/// serving. Returns the process exit code: 0 after a clean stop, 1 when something failed (said on
/// the log).
int run(const config& settings, const logger& log);

}  // namespace minkd

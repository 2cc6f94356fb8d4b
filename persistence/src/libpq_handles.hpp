#pragma once
// Owning handles for libpq's blocking-API objects (the embedded server's readiness checks; the
// benchmarks' plain-libpq baselines). The asynchronous driver owns its PGconn itself (pg_connection).

#include <libpq-fe.h>

#include <memory>

namespace mink::persistence::detail {

struct conn_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

}  // namespace mink::persistence::detail

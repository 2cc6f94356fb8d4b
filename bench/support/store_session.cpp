#include "store_session.hpp"

#include "append_phase.hpp"
#include "server_cpu.hpp"

namespace mink::bench {

store_session::store_session(const std::string& conninfo, std::size_t pool_size)
    : session_(conninfo, pool_size, pool_size),
      store_(std::make_unique<persistence::pg_event_store>(session_.pool())) {}  // default pg_event_store_params

store_session::~store_session() {
  // Abandoned callers may still be inside the store: let them finish before it goes.
  session_.drain();
  store_.reset();
}

timed_outcome store_session::timed_run(const char* phase, std::size_t callers, clock::duration d,
                                       const make_caller& make, const server_cpu* server) {
  auto st = std::make_shared<run_state>();
  timed_outcome out;
  out.state = st;
  const auto server0 = server ? server->seconds() : std::nullopt;
  const auto cpu_start = process_cpu_time();
  out.elapsed = session_.timed_run(phase, st, callers, d, [&](std::size_t i) { return make(st, i); });
  out.client_cpu = process_cpu_time() - cpu_start;
  const auto server1 = server ? server->seconds() : std::nullopt;
  if (server0 && server1) out.server_cpu_s = *server1 - *server0;
  return out;
}

}  // namespace mink::bench

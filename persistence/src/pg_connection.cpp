#include "pg_connection.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <libpq-fe.h>

#include <array>
#include <poll.h>

namespace mink::persistence::detail {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using wait_type = asio::posix::descriptor_base::wait_type;

std::string field_or_empty(const PGresult* res, int code) {
  const char* v = PQresultErrorField(res, code);
  return v ? std::string(v) : std::string();
}

diagnostics server_diagnostics(const PGresult* res) {
  diagnostics d;
  d.sqlstate = field_or_empty(res, PG_DIAG_SQLSTATE);
  d.severity = field_or_empty(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  d.message = field_or_empty(res, PG_DIAG_MESSAGE_PRIMARY);
  d.detail = field_or_empty(res, PG_DIAG_MESSAGE_DETAIL);
  d.hint = field_or_empty(res, PG_DIAG_MESSAGE_HINT);
  d.constraint = field_or_empty(res, PG_DIAG_CONSTRAINT_NAME);
  d.table = field_or_empty(res, PG_DIAG_TABLE_NAME);
  d.column = field_or_empty(res, PG_DIAG_COLUMN_NAME);
  if (d.message.empty()) {
    const char* m = PQresultErrorMessage(res);
    d.message = m ? m : "";
  }
  return d;
}

diagnostics message_only(std::string message) {
  diagnostics d;
  d.message = std::move(message);
  return d;
}

// Parameter pointers for PQsend*; kept on the stack for the common small case.
class param_pointers {
 public:
  explicit param_pointers(const query_params& params) {
    const std::size_t n = params.size();
    if (n > small_.size()) heap_.resize(n);
    const char** out = n > small_.size() ? heap_.data() : small_.data();
    for (std::size_t i = 0; i < n; ++i) out[i] = params[i] ? params[i]->c_str() : nullptr;
    data_ = out;
    count_ = static_cast<int>(n);
  }
  const char* const* data() const noexcept { return data_; }
  int count() const noexcept { return count_; }

 private:
  std::array<const char*, 16> small_{};
  std::vector<const char*> heap_;
  const char** data_ = nullptr;
  int count_ = 0;
};

}  // namespace

pg_connection::pg_connection(const asio::any_io_executor& ex)
    : strand_(asio::make_strand(ex)), socket_(strand_), created_at_(std::chrono::steady_clock::now()) {
  last_used = created_at_;
}

pg_connection::~pg_connection() {
  // libpq owns the socket: hand it back before PQfinish closes it.
  if (socket_.is_open()) socket_.release();
  if (conn_) PQfinish(conn_);
}

error_code pg_connection::sync_socket() {
  const int fd = PQsocket(conn_);
  if (socket_.is_open() && socket_.native_handle() == fd) return {};
  if (socket_.is_open()) socket_.release();
  if (fd < 0) return client_errc::connection_lost;
  error_code ec;
  socket_.assign(fd, ec);
  return ec;
}

error_code pg_connection::lost() {
  broken_ = true;
  return client_errc::connection_lost;
}

void pg_connection::cancel() {
  cancelled_ = true;
  broken_ = true;
  if (socket_.is_open()) socket_.cancel();
}

bool pg_connection::broken() const noexcept { return broken_ || !conn_ || PQstatus(conn_) == CONNECTION_BAD; }

transaction_state pg_connection::transaction() const noexcept {
  if (!conn_) return transaction_state::unknown;
  switch (PQtransactionStatus(conn_)) {
    case PQTRANS_IDLE: return transaction_state::idle;
    case PQTRANS_ACTIVE: return transaction_state::active;
    case PQTRANS_INTRANS: return transaction_state::in_transaction;
    case PQTRANS_INERROR: return transaction_state::in_error;
    default: return transaction_state::unknown;
  }
}

int pg_connection::backend_pid() const noexcept { return conn_ ? PQbackendPID(conn_) : 0; }

std::string pg_connection::error_message() const {
  if (!conn_) return "no connection";
  std::string m = PQerrorMessage(conn_);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

diagnostics pg_connection::client_diagnostics() const {
  diagnostics d;
  d.message = error_message();
  return d;
}

asio::awaitable<error_code> pg_connection::connect(const conninfo& info, std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  std::vector<const char*> keys, values;
  for (std::size_t i = 0; i < info.keywords.size(); ++i) {
    keys.push_back(info.keywords[i].c_str());
    values.push_back(info.values[i].c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) {
    broken_ = true;
    co_return client_errc::connection_failed;
  }
  PQsetnonblocking(conn_, 1);
  // libpq prints server notices (and a dying backend's FATAL) to stderr by default; a library must
  // not write to the application's stderr. Failures reach callers through error codes instead.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);

  asio::steady_timer deadline(strand_);
  deadline.expires_after(timeout);
  // libpq: behave as if PQconnectPoll had answered PGRES_POLLING_WRITING.
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) {
      broken_ = true;
      co_return client_errc::connection_failed;
    }
    // The socket may change between polls (libpq tries hosts and addresses in turn).
    if (auto ec = sync_socket()) {
      broken_ = true;
      co_return client_errc::connection_failed;
    }
    if (cancelled_) co_return asio::error::operation_aborted;
    const auto what = status == PGRES_POLLING_READING ? wait_type::wait_read : wait_type::wait_write;
    auto outcome = co_await (socket_.async_wait(what, use_tuple) || deadline.async_wait(use_tuple));
    if (outcome.index() == 1) {
      broken_ = true;
      const auto [timer_ec] = std::get<1>(outcome);
      co_return timer_ec == asio::error::operation_aborted ? error_code(asio::error::operation_aborted)
                                                           : error_code(errc::connect_timeout);
    }
    if (const auto [wait_ec] = std::get<0>(outcome); wait_ec == asio::error::operation_aborted) {
      broken_ = true;
      co_return wait_ec;
    }
    status = PQconnectPoll(conn_);
  }
  if (auto ec = sync_socket()) {
    broken_ = true;
    co_return client_errc::connection_failed;
  }
  last_used = std::chrono::steady_clock::now();
  co_return error_code{};
}

asio::awaitable<error_code> pg_connection::flush() {
  using namespace asio::experimental::awaitable_operators;
  for (;;) {
    const int r = PQflush(conn_);
    if (r == 0) co_return error_code{};
    if (r < 0) co_return lost();
    // The server may be sending while we still write (large pipelines): read too, or both block.
    auto outcome = co_await (socket_.async_wait(wait_type::wait_write, use_tuple) ||
                             socket_.async_wait(wait_type::wait_read, use_tuple));
    const error_code ec = outcome.index() == 0 ? std::get<0>(std::get<0>(outcome))
                                               : std::get<0>(std::get<1>(outcome));
    if (ec) {
      broken_ = true;
      co_return ec == asio::error::operation_aborted ? ec : lost();
    }
    if (outcome.index() == 1 && !PQconsumeInput(conn_)) co_return lost();
  }
}

asio::awaitable<error_code> pg_connection::wait_until_ready() {
  while (PQisBusy(conn_)) {
    auto [ec] = co_await socket_.async_wait(wait_type::wait_read, use_tuple);
    if (ec) {
      // A cancelled wait leaves the protocol mid-exchange: the connection cannot be reused.
      broken_ = true;
      co_return ec == asio::error::operation_aborted ? ec : lost();
    }
    if (!PQconsumeInput(conn_)) co_return lost();
  }
  co_return error_code{};
}

op_result pg_connection::failure_from(PGresult* res) {
  diagnostics d = server_diagnostics(res);
  error_code ec;
  if (!d.sqlstate.empty()) {
    ec = make_sqlstate_error(d.sqlstate);
  } else if (PQstatus(conn_) == CONNECTION_BAD) {
    ec = lost();
  } else {
    ec = client_errc::bad_response;
  }
  if (PQstatus(conn_) == CONNECTION_BAD) broken_ = true;
  return {ec, query_result(res, std::move(d))};
}

// Reads the results of one statement up to libpq's terminating NULL. The first error wins;
// the last successful result is the statement's result.
asio::awaitable<op_result> pg_connection::collect(bool pipelined) {
  op_result out;
  for (;;) {
    if (auto ec = co_await wait_until_ready()) {
      if (!out.ec) out = {ec, query_result(client_diagnostics())};
      co_return out;
    }
    PGresult* res = PQgetResult(conn_);
    if (!res) break;
    switch (PQresultStatus(res)) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
        if (!out.ec) {
          out.result = query_result(res);
        } else {
          PQclear(res);
        }
        break;
      case PGRES_PIPELINE_ABORTED:
        if (!out.ec) out = {client_errc::pipeline_aborted, query_result(res)};
        else PQclear(res);
        break;
      case PGRES_FATAL_ERROR:
      case PGRES_NONFATAL_ERROR:
        if (!out.ec) out = failure_from(res);
        else PQclear(res);
        break;
      default:  // COPY and other modes are not supported through this driver.
        PQclear(res);
        if (!out.ec) out = {client_errc::bad_response, query_result(message_only("unsupported result status"))};
        broken_ = true;
        break;
    }
    if (broken_ && !pipelined && PQstatus(conn_) == CONNECTION_BAD) break;
  }
  co_return out;
}

// After a PQsend* call: flushes, reads the statement's results and stamps the connection as used.
asio::awaitable<op_result> pg_connection::answer(bool sent) {
  if (!sent) {
    broken_ = PQstatus(conn_) == CONNECTION_BAD;
    co_return op_result{client_errc::send_failed, query_result(client_diagnostics())};
  }
  if (auto ec = co_await flush()) co_return op_result{ec, query_result(client_diagnostics())};
  auto out = co_await collect(false);
  last_used = std::chrono::steady_clock::now();
  co_return out;
}

asio::awaitable<op_result> pg_connection::query(std::string_view sql, const query_params& params) {
  const std::string text(sql);  // libpq needs a NUL-terminated string.
  const param_pointers p(params);
  auto out = co_await answer(PQsendQueryParams(conn_, text.c_str(), p.count(), nullptr, p.data(), nullptr, nullptr, 0));
  co_return out;
}

asio::awaitable<op_result> pg_connection::script(const std::string& sql) {
  auto out = co_await answer(PQsendQuery(conn_, sql.c_str()));
  co_return out;
}

asio::awaitable<op_result> pg_connection::execute(const std::string& name, const std::string& sql,
                                                  const query_params& params) {
  if (!prepared_.contains(name)) {
    // Prepared once per connection; a failure (a syntax error, say) keeps its diagnostics.
    auto prepared = co_await answer(PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    if (prepared.ec) co_return prepared;
    prepared_.insert(name);
  }
  const param_pointers p(params);
  auto out = co_await answer(PQsendQueryPrepared(conn_, name.c_str(), p.count(), p.data(), nullptr, nullptr, 0));
  co_return out;
}

asio::awaitable<pipeline_result> pg_connection::run_pipeline(const pipeline& batch) {
  pipeline_result out;
  if (batch.empty()) co_return out;
  if (!PQenterPipelineMode(conn_)) {
    out.ec = client_errc::send_failed;
    co_return out;
  }
  // Statements prepared by this pipeline: each has one extra result (the Parse) before its own.
  std::vector<bool> prepares_first(batch.size(), false);
  std::unordered_set<std::string> preparing;
  bool sent = true;
  for (std::size_t i = 0; i < batch.size() && sent; ++i) {
    const auto& step = batch.steps()[i];
    const param_pointers p(step.params);
    if (step.prepared_name.empty()) {
      sent = PQsendQueryParams(conn_, step.sql.c_str(), p.count(), nullptr, p.data(), nullptr, nullptr, 0);
      continue;
    }
    if (!prepared_.contains(step.prepared_name) && !preparing.contains(step.prepared_name)) {
      sent = PQsendPrepare(conn_, step.prepared_name.c_str(), step.sql.c_str(), 0, nullptr);
      preparing.insert(step.prepared_name);
      prepares_first[i] = true;
    }
    sent = sent && PQsendQueryPrepared(conn_, step.prepared_name.c_str(), p.count(), p.data(), nullptr, nullptr, 0);
  }
  if (!sent || !PQpipelineSync(conn_)) {
    // Nothing reliable can be said about what reached the server: do not reuse this connection.
    broken_ = true;
    out.ec = client_errc::send_failed;
    co_return out;
  }
  if (auto ec = co_await flush()) {
    out.ec = ec;
    co_return out;
  }
  out.results.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (prepares_first[i]) {
      auto prep = co_await collect(true);
      if (!prep.ec) prepared_.insert(batch.steps()[i].prepared_name);
      if (prep.ec && !out.ec) out.ec = prep.ec;
      if (broken_ && PQstatus(conn_) == CONNECTION_BAD) co_return out;
    }
    auto step = co_await collect(true);
    if (step.ec && !out.ec) out.ec = step.ec;
    out.results.push_back(std::move(step.result));
    if (broken_ && PQstatus(conn_) == CONNECTION_BAD) co_return out;
  }
  // The Sync's own result ends the pipeline.
  if (auto ec = co_await wait_until_ready()) {
    if (!out.ec) out.ec = ec;
    co_return out;
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync) PQclear(sync);
  if (!synced || !PQexitPipelineMode(conn_)) {
    broken_ = true;
    if (!out.ec) out.ec = client_errc::bad_response;
  }
  last_used = std::chrono::steady_clock::now();
  co_return out;
}

asio::awaitable<error_code> pg_connection::wait_for_notifications(std::vector<notification_message>& out) {
  for (;;) {
    while (PGnotify* n = PQnotifies(conn_)) {
      out.push_back({n->relname, n->extra ? n->extra : "", n->be_pid});
      PQfreemem(n);
    }
    if (!out.empty()) co_return error_code{};
    auto [ec] = co_await socket_.async_wait(wait_type::wait_read, use_tuple);
    if (ec) co_return ec == asio::error::operation_aborted ? ec : lost();
    if (!PQconsumeInput(conn_)) co_return lost();
    // A terminated backend sends its FATAL message and closes; libpq may only notice the close on
    // the next read, so drain any error result to surface the broken state now.
    if (PQstatus(conn_) == CONNECTION_BAD) co_return lost();
    while (!PQisBusy(conn_)) {
      PGresult* res = PQgetResult(conn_);
      if (!res) break;
      PQclear(res);
    }
    if (PQstatus(conn_) == CONNECTION_BAD) co_return lost();
  }
}

bool pg_connection::check_alive() {
  if (broken()) return false;
  pollfd pfd{PQsocket(conn_), POLLIN, 0};
  const int r = ::poll(&pfd, 1, 0);
  if (r < 0) return !(broken_ = true);
  if (r == 0) return true;  // Nothing arrived: the usual case.
  if ((pfd.revents & (POLLERR | POLLNVAL)) || !PQconsumeInput(conn_)) return !(broken_ = true);
  // An idle backend only speaks unprompted to notify or to say it is going away.
  while (!PQisBusy(conn_)) {
    PGresult* res = PQgetResult(conn_);
    if (!res) break;
    PQclear(res);
    broken_ = true;
  }
  return !broken();
}

}  // namespace mink::persistence::detail

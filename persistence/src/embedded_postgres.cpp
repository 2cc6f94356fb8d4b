// embedded_postgres: initdb, start, readiness, database creation and shutdown of a private server.

#include <mink/persistence/embedded_postgres.hpp>

#include <mink/messaging/errc.hpp>

#include "embedded_postgres_detail.hpp"
#include "libpq_handles.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <new>
#include <sstream>
#include <thread>

namespace mink::persistence {
namespace fs = std::filesystem;
namespace {

// Quotes a libpq connection-string value only when it needs it, keeping the common case readable.
std::string conninfo_value(const std::string& value) {
  if (!value.empty() && value.find_first_of(" '\\\t\n") == std::string::npos) return value;
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

fs::path normalized(const fs::path& p) {
  if (p.empty()) return p;
  std::error_code ec;
  fs::path result = fs::absolute(p, ec);
  if (ec) result = p;
  result = result.lexically_normal();
  if (!result.has_filename() && result.has_relative_path()) result = result.parent_path();
  return result;
}

bool mentions_port_in_use(const std::string& log) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const auto has = [&line](const char* part) { return line.find(part) != std::string::npos; };
    // The socket's lock file, unlike postmaster.pid, means the port, not the data directory, is taken.
    if (has("could not bind") || has("already in use") || (has("lock file") && has(".s.PGSQL.")))
      return true;
  }
  return false;
}

using detail::conn_ptr;
using detail::result_ptr;

const std::string empty_string;
const fs::path empty_path;

}  // namespace

struct embedded_postgres::state {
  embedded_postgres_params params;
  fs::path data_dir;
  fs::path socket_dir;
  unsigned short port = 0;
  std::string superuser;
  pid_t pid = -1;
  std::string error;

  boost::system::error_code fail(boost::system::error_code ec, std::string message) {
    error = std::move(message);
    return ec;
  }

  // Notices a server that exited on its own, so that start() starts a new one.
  void reap() {
    if (pid <= 0) return;
    int status = 0;
    if (detail::wait_exit(pid, std::chrono::milliseconds(0), status)) {
      pid = -1;
      remove_socket_dir();
    }
  }

  void remove_socket_dir() {
    std::error_code ec;
    if (!socket_dir.empty()) fs::remove_all(socket_dir, ec);
  }

  std::string conninfo(const std::string& database) const {
    std::string s = "host=" + conninfo_value(socket_dir.string()) + " port=" + std::to_string(port);
    if (!database.empty()) s += " dbname=" + conninfo_value(database);
    return s + " user=" + conninfo_value(superuser);
  }

  std::string log_tail(std::uintmax_t from) const {
    const std::string tail = detail::read_log_tail(data_dir / "log" / "postgres.log", from, 20);
    return tail.empty() ? std::string() : "\nlast lines of " + (data_dir / "log" / "postgres.log").string() +
                                              ":\n" + tail;
  }

  boost::system::error_code start();
  boost::system::error_code wait_ready(std::uintmax_t log_offset);
  boost::system::error_code create_database();
  boost::system::error_code stop();
};

boost::system::error_code embedded_postgres::state::start() {
  if (data_dir.empty()) return fail(errc::data_directory_unusable, "no data directory given");
  const fs::path bin = detail::find_binaries(params.bin_directory, error);
  if (bin.empty()) return errc::postgres_binaries_not_found;
  const auto user = detail::lookup_server_user(params.run_as_user, error);
  if (!user) return errc::postgres_start_failed;
  superuser = user->name;

  bool needs_initdb = false;
  if (auto ec = detail::prepare_data_directory(data_dir, *user, needs_initdb, error)) return ec;
  if (needs_initdb) {
    std::string output;
    const int status = detail::run_and_capture({(bin / "initdb").string(), "-D", data_dir.string(), "-E", "UTF8",
                                                "--locale=C", "--auth=trust", "-U", user->name,
                                                "--no-instructions"},
                                               *user, output, error);
    if (status < 0) return errc::postgres_start_failed;
    if (status != 0)
      return fail(errc::postgres_start_failed,
                  "initdb " + detail::describe_status(status) + " on \"" + data_dir.string() + "\":\n" + output);
  } else if (auto ec = detail::wait_for_previous_server(data_dir, error)) {
    return ec;
  }

  std::uintmax_t log_offset = 0;
  const int log_fd = detail::open_log(data_dir / "log" / "postgres.log", *user, log_offset, error);
  if (log_fd < 0) return errc::data_directory_unusable;
  // Reusing the previous socket directory and port keeps connection strings valid across a restart.
  socket_dir = detail::make_socket_directory(socket_dir, *user, error);
  if (socket_dir.empty()) {
    ::close(log_fd);
    return errc::postgres_start_failed;
  }
  if (params.port != 0)
    port = params.port;
  else if (port == 0)
    port = detail::pick_port(socket_dir);

  std::vector<std::string> argv{(bin / "postgres").string(), "-D", data_dir.string()};
  const auto set = [&argv](const std::string& name, const std::string& value) {
    argv.emplace_back("-c");
    argv.push_back(name + "=" + value);
  };
  set("listen_addresses", "");
  set("unix_socket_directories", socket_dir.string());
  set("port", std::to_string(port));
  set("fsync", "on");
  set("synchronous_commit", "on");
  set("full_page_writes", "on");
  // An abandoned open transaction would otherwise stall readers of the global log indefinitely.
  set("idle_in_transaction_session_timeout", "60s");
  set("max_connections", "200");
  set("logging_collector", "off");
  set("log_destination", "stderr");
  for (const auto& [name, value] : params.settings) set(name, value);

  pid = detail::spawn(argv, *user, log_fd, error);
  ::close(log_fd);
  if (pid < 0) {
    remove_socket_dir();
    return errc::postgres_start_failed;
  }
  if (auto ec = wait_ready(log_offset)) return ec;
  if (auto ec = create_database()) {
    const std::string message = error;
    stop();
    error = message;
    return ec;
  }
  return {};
}

boost::system::error_code embedded_postgres::state::wait_ready(std::uintmax_t log_offset) {
  const std::string ping = conninfo("postgres");
  const auto deadline = std::chrono::steady_clock::now() + params.start_timeout;
  for (;;) {
    int status = 0;
    if (detail::wait_exit(pid, std::chrono::milliseconds(0), status)) {
      pid = -1;
      remove_socket_dir();
      const std::string tail = log_tail(log_offset);
      return fail(mentions_port_in_use(tail) ? errc::postgres_port_in_use : errc::postgres_start_failed,
                  "PostgreSQL server " + detail::describe_status(status) + tail);
    }
    if (PQping(ping.c_str()) == PQPING_OK) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      stop();
      return fail(errc::postgres_start_failed,
                  "PostgreSQL did not accept connections within " +
                      std::to_string(params.start_timeout.count()) + " ms" + log_tail(log_offset));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

boost::system::error_code embedded_postgres::state::create_database() {
  if (params.database.empty() || params.database == "postgres") return {};
  conn_ptr conn(PQconnectdb(conninfo("postgres").c_str()));
  if (!conn) throw std::bad_alloc();
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return fail(errc::postgres_start_failed,
                std::string("cannot connect to create the database: ") + PQerrorMessage(conn.get()));
  const char* values[] = {params.database.c_str()};
  result_ptr found(PQexecParams(conn.get(), "SELECT 1 FROM pg_database WHERE datname = $1", 1, nullptr, values,
                                nullptr, nullptr, 0));
  if (PQresultStatus(found.get()) != PGRES_TUPLES_OK)
    return fail(errc::postgres_start_failed,
                std::string("cannot look up the database: ") + PQerrorMessage(conn.get()));
  if (PQntuples(found.get()) > 0) return {};

  std::unique_ptr<char, decltype(&PQfreemem)> name(
      PQescapeIdentifier(conn.get(), params.database.c_str(), params.database.size()), &PQfreemem);
  if (!name)
    return fail(errc::postgres_start_failed,
                std::string("invalid database name: ") + PQerrorMessage(conn.get()));
  result_ptr created(PQexec(conn.get(), (std::string("CREATE DATABASE ") + name.get()).c_str()));
  const char* sqlstate = PQresultErrorField(created.get(), PG_DIAG_SQLSTATE);
  // 42P04: another process created it between our check and CREATE DATABASE.
  if (PQresultStatus(created.get()) != PGRES_COMMAND_OK && !(sqlstate && std::string(sqlstate) == "42P04"))
    return fail(errc::postgres_start_failed, "cannot create database \"" + params.database +
                                                 "\": " + PQerrorMessage(conn.get()));
  return {};
}

boost::system::error_code embedded_postgres::state::stop() {
  boost::system::error_code result;
  if (pid > 0) {
    int status = 0;
    ::kill(pid, SIGINT);  // fast shutdown: roll back sessions, checkpoint, exit
    if (!detail::wait_exit(pid, std::chrono::seconds(30), status)) {
      ::kill(pid, SIGQUIT);  // immediate shutdown: crash recovery on next start
      if (!detail::wait_exit(pid, std::chrono::seconds(5), status)) {
        ::kill(pid, SIGKILL);
        detail::wait_exit(pid, std::chrono::seconds(5), status);
      }
      error = "PostgreSQL (pid " + std::to_string(pid) + ") ignored fast shutdown for 30 s and was killed";
      result = errc::timeout;
    }
    pid = -1;
  }
  remove_socket_dir();
  return result;
}

embedded_postgres::embedded_postgres(embedded_postgres_params params) : state_(std::make_unique<state>()) {
  state_->data_dir = normalized(params.data_directory);
  state_->params = std::move(params);
}

embedded_postgres::~embedded_postgres() {
  try {
    stop();
  } catch (...) {
  }
}

embedded_postgres::embedded_postgres(embedded_postgres&&) noexcept = default;

embedded_postgres& embedded_postgres::operator=(embedded_postgres&& other) noexcept {
  if (this != &other) {
    try {
      stop();
    } catch (...) {
    }
    state_ = std::move(other.state_);
  }
  return *this;
}

boost::system::error_code embedded_postgres::start() {
  if (!state_) return errc::postgres_start_failed;
  if (running()) return {};
  state_->error.clear();
  try {
    return state_->start();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    const std::string message = e.what();
    state_->stop();
    return state_->fail(errc::postgres_start_failed, message);
  }
}

boost::system::error_code embedded_postgres::stop() {
  if (!state_) return {};
  try {
    return state_->stop();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return state_->fail(errc::postgres_start_failed, e.what());
  }
}

bool embedded_postgres::running() const noexcept {
  if (!state_) return false;
  state_->reap();  // the pointee is not part of our constness: observing an exit updates it
  return state_->pid > 0;
}

std::string embedded_postgres::connection_string() const {
  return state_ ? state_->conninfo(state_->params.database) : std::string();
}

std::string embedded_postgres::connection_string(const std::string& database) const {
  return state_ ? state_->conninfo(database) : std::string();
}

unsigned short embedded_postgres::port() const noexcept { return state_ ? state_->port : 0; }

const fs::path& embedded_postgres::socket_directory() const noexcept {
  return state_ ? state_->socket_dir : empty_path;
}

const fs::path& embedded_postgres::data_directory() const noexcept {
  return state_ ? state_->data_dir : empty_path;
}

fs::path embedded_postgres::log_file() const {
  return state_ && !state_->data_dir.empty() ? state_->data_dir / "log" / "postgres.log" : fs::path();
}

const std::string& embedded_postgres::error_message() const noexcept {
  return state_ ? state_->error : empty_string;
}

}  // namespace mink::persistence

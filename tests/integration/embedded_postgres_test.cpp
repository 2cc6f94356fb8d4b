// embedded_postgres against the real PostgreSQL 15 binaries: lifecycle, isolation, settings, errors.

#include <mink/messaging/errc.hpp>
#include <mink/persistence/embedded_postgres.hpp>

#include "test_server.hpp"

#include <boost/test/unit_test.hpp>

#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using mink::persistence::embedded_postgres_params;
using postgres_server = mink::persistence::embedded_postgres;

namespace {

// A scratch directory under /tmp, enterable by the server user unless told otherwise.
struct scratch_dir {
  fs::path path;
  explicit scratch_dir(mode_t mode = 0755) {
    char name[] = "/tmp/mink-ep-test-XXXXXX";
    if (::mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = name;
    ::chmod(name, mode);
  }
  ~scratch_dir() {
    ::chmod(path.c_str(), 0700);
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

embedded_postgres_params params_for(const fs::path& data_dir) {
  embedded_postgres_params params;
  params.data_directory = data_dir;
  return params;
}

// First column of the first row of `sql`; throws with the server's message on failure.
std::string query(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("connect (" + conninfo + "): " + message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(result);
  std::string value;
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
  const std::string message = PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw std::runtime_error(sql + ": " + message);
  return value;
}

boost::system::error_code code(mink::errc e) { return mink::make_error_code(e); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

pid_t postmaster_pid(const fs::path& data_dir) {
  std::ifstream file(data_dir / "postmaster.pid");
  long pid = 0;
  file >> pid;
  return static_cast<pid_t>(pid);
}

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat_file, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';  // unreaped zombie
}

}  // namespace

BOOST_AUTO_TEST_SUITE(embedded_postgres)

BOOST_AUTO_TEST_CASE(initdb_start_query_and_data_survives_restart) {
  scratch_dir root;
  postgres_server pg(params_for(root.path / "data"));
  const auto ec = pg.start();
  BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << pg.error_message());
  BOOST_TEST(pg.running());
  BOOST_TEST(fs::exists(root.path / "data" / "PG_VERSION"));
  BOOST_TEST(fs::exists(pg.log_file()));
  BOOST_TEST(contains(query(pg.connection_string(), "SELECT version()"), "PostgreSQL 15"));
  BOOST_TEST(query(pg.connection_string(), "SELECT current_database()") == "mink");

  query(pg.connection_string(), "CREATE TABLE survivor (id int PRIMARY KEY, name text)");
  query(pg.connection_string(), "INSERT INTO survivor VALUES (1, 'still here')");
  const std::string before = pg.connection_string();

  BOOST_TEST(!pg.stop());
  BOOST_TEST(!pg.running());
  BOOST_CHECK_THROW(query(before, "SELECT 1"), std::runtime_error);

  const auto again = pg.start();
  BOOST_TEST_REQUIRE(!again, again.message() << ": " << pg.error_message());
  BOOST_TEST(pg.connection_string() == before);  // pools keep working across a restart
  BOOST_TEST(query(pg.connection_string(), "SELECT name FROM survivor WHERE id = 1") == "still here");
}

BOOST_AUTO_TEST_CASE(unix_socket_only_and_durable_settings) {
  scratch_dir root;
  postgres_server pg(params_for(root.path / "data"));
  const auto ec = pg.start();
  BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << pg.error_message());
  const std::string conninfo = pg.connection_string();
  BOOST_TEST(conninfo == "host=" + pg.socket_directory().string() + " port=" + std::to_string(pg.port()) +
                             " dbname=mink user=" + query(conninfo, "SELECT current_user"));
  BOOST_TEST(query(conninfo, "SHOW listen_addresses").empty());
  BOOST_TEST(query(conninfo, "SELECT coalesce(inet_server_addr()::text, 'unix')") == "unix");
  BOOST_TEST(contains(pg.connection_string("postgres"), "dbname=postgres"));
  BOOST_TEST(query(pg.connection_string("postgres"), "SELECT current_database()") == "postgres");

  const fs::path socket = pg.socket_directory() / (".s.PGSQL." + std::to_string(pg.port()));
  BOOST_TEST(fs::is_socket(socket));
  BOOST_TEST(pg.socket_directory().string().size() + 20 < 107u);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(pg.socket_directory().c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);

  BOOST_TEST(query(conninfo, "SHOW fsync") == "on");
  BOOST_TEST(query(conninfo, "SHOW synchronous_commit") == "on");
  BOOST_TEST(query(conninfo, "SHOW idle_in_transaction_session_timeout") == "1min");
  BOOST_TEST(query(conninfo, "SHOW max_connections") == "200");
  BOOST_TEST(query(conninfo, "SHOW server_encoding") == "UTF8");
}

BOOST_AUTO_TEST_CASE(params_settings_override_defaults) {
  scratch_dir root;
  auto params = params_for(root.path / "data");
  params.settings = {{"max_connections", "50"}, {"application_name", "overridden"}};
  params.database = "other db";
  postgres_server pg(std::move(params));
  const auto ec = pg.start();
  BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << pg.error_message());
  BOOST_TEST(query(pg.connection_string(), "SHOW max_connections") == "50");
  BOOST_TEST(query(pg.connection_string(), "SELECT current_database()") == "other db");
}

BOOST_AUTO_TEST_CASE(stop_is_idempotent) {
  scratch_dir root;
  postgres_server pg(params_for(root.path / "data"));
  BOOST_TEST(!pg.stop());  // never started
  const auto ec = pg.start();
  BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << pg.error_message());
  const pid_t pid = postmaster_pid(root.path / "data");
  BOOST_TEST_REQUIRE(pid > 0);
  BOOST_TEST(!pg.stop());
  BOOST_TEST(!pg.running());
  BOOST_TEST(process_gone(pid));
  BOOST_TEST(!fs::exists(pg.socket_directory()));
  BOOST_TEST(!pg.stop());
  BOOST_TEST(!pg.running());
}

BOOST_AUTO_TEST_CASE(start_on_running_server_is_a_no_op) {
  scratch_dir root;
  postgres_server pg(params_for(root.path / "data"));
  const auto ec = pg.start();
  BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << pg.error_message());
  const std::string started = query(pg.connection_string(), "SELECT pg_postmaster_start_time()");
  const std::string conninfo = pg.connection_string();
  const pid_t pid = postmaster_pid(root.path / "data");
  BOOST_TEST(!pg.start());
  BOOST_TEST(pg.connection_string() == conninfo);
  BOOST_TEST(postmaster_pid(root.path / "data") == pid);
  BOOST_TEST(query(pg.connection_string(), "SELECT pg_postmaster_start_time()") == started);
}

BOOST_AUTO_TEST_CASE(two_servers_in_one_process_get_distinct_sockets) {
  scratch_dir root;
  postgres_server a(params_for(root.path / "a"));
  postgres_server b(params_for(root.path / "b"));
  const auto ea = a.start();
  BOOST_TEST_REQUIRE(!ea, ea.message() << ": " << a.error_message());
  const auto eb = b.start();
  BOOST_TEST_REQUIRE(!eb, eb.message() << ": " << b.error_message());
  BOOST_TEST(a.socket_directory() != b.socket_directory());
  BOOST_TEST(a.connection_string() != b.connection_string());
  query(a.connection_string(), "CREATE TABLE only_in_a (x int)");
  BOOST_TEST(query(a.connection_string(), "SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'") == "1");
  BOOST_TEST(query(b.connection_string(), "SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'") == "0");
}

BOOST_AUTO_TEST_CASE(missing_binaries_are_reported_before_anything_runs) {
  scratch_dir root;
  scratch_dir empty_bin;
  auto params = params_for(root.path / "data");
  params.bin_directory = empty_bin.path;
  postgres_server pg(std::move(params));
  BOOST_TEST(pg.start() == code(mink::errc::postgres_binaries_not_found));
  BOOST_TEST(contains(pg.error_message(), empty_bin.path.string()));
  BOOST_TEST(!fs::exists(root.path / "data"));
  BOOST_TEST(!pg.running());
}

BOOST_AUTO_TEST_CASE(parent_the_server_user_cannot_enter_is_named) {
  // As root the server drops to another user, for whom a root-owned 0700 directory is closed.
  scratch_dir blocked(::geteuid() == 0 ? 0700 : 0000);
  postgres_server pg(params_for(blocked.path / "data"));
  BOOST_TEST(pg.start() == code(mink::errc::data_directory_unusable));
  BOOST_TEST(contains(pg.error_message(), "\"" + blocked.path.string() + "\""), pg.error_message());
  BOOST_TEST(contains(pg.error_message(), "choose a data directory outside it"), pg.error_message());
  ::chmod(blocked.path.c_str(), 0700);
  BOOST_TEST(!fs::exists(blocked.path / "data"));
}

BOOST_AUTO_TEST_CASE(data_directory_owned_by_another_user_is_refused) {
  scratch_dir root;
  fs::path data = "/usr";  // without root we cannot make one; a system directory is owned by root
  if (::geteuid() == 0) {
    data = root.path / "data";
    fs::create_directory(data);
    BOOST_TEST_REQUIRE(::chown(data.c_str(), 65534, 65534) == 0);  // nobody
  }
  postgres_server pg(params_for(data));
  BOOST_TEST(pg.start() == code(mink::errc::data_directory_unusable));
  BOOST_TEST(contains(pg.error_message(), "is owned by"), pg.error_message());
  BOOST_TEST(contains(pg.error_message(), data.string()), pg.error_message());
  BOOST_TEST(!pg.running());
}

BOOST_AUTO_TEST_CASE(unknown_run_as_user_is_reported) {
  scratch_dir root;
  auto params = params_for(root.path / "data");
  params.run_as_user = "mink-no-such-user";
  postgres_server pg(std::move(params));
  BOOST_TEST(pg.start() == code(mink::errc::postgres_start_failed));
  BOOST_TEST(contains(pg.error_message(), "\"mink-no-such-user\" does not exist"), pg.error_message());
  BOOST_TEST(!fs::exists(root.path / "data"));
}

BOOST_AUTO_TEST_CASE(server_that_exits_at_startup_reports_its_log) {
  scratch_dir root;
  auto params = params_for(root.path / "data");
  params.settings = {{"shared_buffers", "not-a-size"}};
  postgres_server pg(std::move(params));
  BOOST_TEST(pg.start() == code(mink::errc::postgres_start_failed));
  BOOST_TEST(contains(pg.error_message(), "shared_buffers"), pg.error_message());
  BOOST_TEST(contains(pg.error_message(), pg.log_file().string()), pg.error_message());
  BOOST_TEST(!pg.running());
  BOOST_TEST(!fs::exists(pg.socket_directory()));
}

BOOST_AUTO_TEST_CASE(server_stops_when_its_owner_is_killed) {
  scratch_dir root;
  const fs::path data = root.path / "data";
  int ready[2];
  BOOST_TEST_REQUIRE(::pipe(ready) == 0);
  const pid_t owner = ::fork();
  BOOST_TEST_REQUIRE(owner >= 0);
  if (owner == 0) {  // the owner: starts a server, reports, then waits to be killed
    ::close(ready[0]);
    try {
      postgres_server pg(params_for(data));
      if (pg.start()) ::_exit(1);
      query(pg.connection_string(), "CREATE TABLE left_behind (x int)");
      const std::string dir = pg.socket_directory().string() + "\n";
      if (::write(ready[1], dir.data(), dir.size()) < 0) ::_exit(1);
      for (;;) ::pause();
    } catch (...) {
      ::_exit(1);
    }
  }
  ::close(ready[1]);
  char buffer[256] = {};
  const ssize_t n = ::read(ready[0], buffer, sizeof buffer - 1);
  ::close(ready[0]);
  const std::string socket_dir(buffer, n > 0 ? static_cast<std::size_t>(n) - 1 : 0);
  const pid_t server_pid = postmaster_pid(data);
  ::kill(owner, SIGKILL);
  int status = 0;
  ::waitpid(owner, &status, 0);
  BOOST_TEST_REQUIRE(n > 0);
  BOOST_TEST_REQUIRE(server_pid > 0);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!process_gone(server_pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_TEST(process_gone(server_pid));
  std::error_code ignored;
  fs::remove_all(socket_dir, ignored);  // a killed owner cannot clean up

  postgres_server successor(params_for(data));
  const auto ec = successor.start();
  BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << successor.error_message());
  BOOST_TEST(query(successor.connection_string(), "SELECT count(*) FROM left_behind") == "0");
}

BOOST_AUTO_TEST_CASE(shared_test_server_serves_the_test_database) {
  auto& shared = mink::test::server();
  BOOST_TEST(query(shared.connection_string(), "SELECT 1") == "1");
  if (shared.embedded()) {
    BOOST_TEST(shared.postgres().running());
    BOOST_TEST(query(shared.connection_string(), "SELECT current_database()") == "mink");
  }
}

BOOST_AUTO_TEST_SUITE_END()

#include <mink/persistence/pg_error.hpp>

#include <mink/messaging/retry_middleware.hpp>

#include <array>

namespace mink::persistence {
namespace {

constexpr int sqlstate_length = 5;

constexpr int digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

constexpr int encode_sqlstate(std::string_view s) noexcept {
  if (s.size() != sqlstate_length) return -1;
  int v = 0;
  for (char c : s) {
    int d = digit_value(c);
    if (d < 0) return -1;
    v = v * 36 + d;
  }
  // Offset by one so that "00000" (successful completion) is not the zero "no error" value.
  return v + 1;
}

std::string decode_sqlstate(int value) {
  std::string s(sqlstate_length, '0');
  int v = value - 1;
  for (int i = sqlstate_length - 1; i >= 0; --i) {
    int d = v % 36;
    s[static_cast<std::size_t>(i)] = static_cast<char>(d < 10 ? '0' + d : 'A' + d - 10);
    v /= 36;
  }
  return s;
}

struct named_state {
  std::string_view code;
  std::string_view name;
};

// The states a caller is most likely to meet; others print as their code.
constexpr std::array named_states{
    named_state{"08000", "connection_exception"},
    named_state{"08003", "connection_does_not_exist"},
    named_state{"08006", "connection_failure"},
    named_state{"08001", "sqlclient_unable_to_establish_sqlconnection"},
    named_state{"08004", "sqlserver_rejected_establishment_of_sqlconnection"},
    named_state{"08P01", "protocol_violation"},
    named_state{"22001", "string_data_right_truncation"},
    named_state{"22003", "numeric_value_out_of_range"},
    named_state{"22P02", "invalid_text_representation"},
    named_state{"22021", "character_not_in_repertoire"},
    named_state{"23000", "integrity_constraint_violation"},
    named_state{"23502", "not_null_violation"},
    named_state{"23503", "foreign_key_violation"},
    named_state{"23505", "unique_violation"},
    named_state{"23514", "check_violation"},
    named_state{"25P02", "in_failed_sql_transaction"},
    named_state{"25P03", "idle_in_transaction_session_timeout"},
    named_state{"28P01", "invalid_password"},
    named_state{"3D000", "invalid_catalog_name"},
    named_state{"40001", "serialization_failure"},
    named_state{"40P01", "deadlock_detected"},
    named_state{"42601", "syntax_error"},
    named_state{"42703", "undefined_column"},
    named_state{"42883", "undefined_function"},
    named_state{"42P01", "undefined_table"},
    named_state{"42P07", "duplicate_table"},
    named_state{"53300", "too_many_connections"},
    named_state{"55P03", "lock_not_available"},
    named_state{"57014", "query_canceled"},
    named_state{"57P01", "admin_shutdown"},
    named_state{"57P02", "crash_shutdown"},
    named_state{"57P03", "cannot_connect_now"},
    named_state{"P0001", "raise_exception"},
};

class client_category_impl final : public boost::system::error_category {
 public:
  constexpr client_category_impl() noexcept : error_category(0x6d696e6b00000002ULL) {}
  const char* name() const noexcept override { return "mink.pq_client"; }
  std::string message(int value) const override {
    switch (static_cast<client_errc>(value)) {
      case client_errc::connection_failed: return "could not connect to PostgreSQL";
      case client_errc::connection_lost: return "connection to PostgreSQL lost";
      case client_errc::send_failed: return "could not send the command to PostgreSQL";
      case client_errc::bad_response: return "unexpected response from PostgreSQL";
      case client_errc::invalid_connection_string: return "invalid PostgreSQL connection string";
      case client_errc::host_not_resolved: return "PostgreSQL host name did not resolve";
      case client_errc::pipeline_aborted: return "pipelined statement skipped after an earlier failure";
    }
    return "unknown libpq client error " + std::to_string(value);
  }
};

class sqlstate_category_impl final : public boost::system::error_category {
 public:
  constexpr sqlstate_category_impl() noexcept : error_category(0x6d696e6b00000003ULL) {}
  const char* name() const noexcept override { return "mink.sqlstate"; }
  std::string message(int value) const override {
    std::string code = decode_sqlstate(value);
    for (const auto& s : named_states) {
      if (s.code == code) return std::string(s.name) + " (SQLSTATE " + code + ")";
    }
    return "SQLSTATE " + code;
  }
};

bool is_connection_state(std::string_view s) {
  return s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03";
}

class condition_category_impl final : public boost::system::error_category {
 public:
  constexpr condition_category_impl() noexcept : error_category(0x6d696e6b00000004ULL) {}
  const char* name() const noexcept override { return "mink.pg_condition"; }
  std::string message(int value) const override {
    switch (static_cast<condition>(value)) {
      case condition::connection_error: return "connection error";
      case condition::integrity_violation: return "integrity constraint violation";
      case condition::unique_violation: return "unique violation";
      case condition::retryable: return "transaction may be retried";
    }
    return "unknown condition " + std::to_string(value);
  }
  bool equivalent(const boost::system::error_code& ec, int value) const noexcept override {
    const auto c = static_cast<condition>(value);
    if (ec.category() == client_category()) {
      const auto e = static_cast<client_errc>(ec.value());
      return c == condition::connection_error &&
             (e == client_errc::connection_failed || e == client_errc::connection_lost ||
              e == client_errc::host_not_resolved);
    }
    if (ec.category() != sqlstate_category()) return false;
    const std::string s = decode_sqlstate(ec.value());
    switch (c) {
      case condition::connection_error: return is_connection_state(s);
      case condition::integrity_violation: return s.starts_with("23");
      case condition::unique_violation: return s == "23505";
      case condition::retryable: return s == "40001" || s == "40P01";
    }
    return false;
  }
};

}  // namespace

const boost::system::error_category& client_category() noexcept {
  static const client_category_impl instance;
  return instance;
}

const boost::system::error_category& sqlstate_category() noexcept {
  static const sqlstate_category_impl instance;
  return instance;
}

const boost::system::error_category& condition_category() noexcept {
  static const condition_category_impl instance;
  return instance;
}

boost::system::error_code make_sqlstate_error(std::string_view sqlstate) noexcept {
  const int v = encode_sqlstate(sqlstate);
  if (v < 0) return client_errc::bad_response;
  return {v, sqlstate_category()};
}

std::string sqlstate_of(const boost::system::error_code& ec) {
  if (ec.category() != sqlstate_category()) return {};
  return decode_sqlstate(ec.value());
}

bool is_transient(const boost::system::error_code& ec) noexcept {
  return is_transient_framework_error(ec) || ec == condition::connection_error || ec == condition::retryable;
}

}  // namespace mink::persistence

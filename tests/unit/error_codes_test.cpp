#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/test/unit_test.hpp>

using namespace mink::persistence;
using boost::system::error_code;

BOOST_AUTO_TEST_SUITE(error_codes)

BOOST_AUTO_TEST_CASE(sqlstate_round_trips_through_error_code) {
  for (const char* state : {"23505", "40P01", "57P01", "08006", "P0001", "00000", "ZZZZZ"}) {
    const error_code ec = make_sqlstate_error(state);
    BOOST_TEST((ec.category() == sqlstate_category()));
    BOOST_TEST(static_cast<bool>(ec));  // even "00000" must not look like success
    BOOST_TEST(sqlstate_of(ec) == state);
  }
}

BOOST_AUTO_TEST_CASE(malformed_sqlstate_is_a_bad_response) {
  BOOST_TEST(make_sqlstate_error("2350") == error_code(client_errc::bad_response));
  BOOST_TEST(make_sqlstate_error("23a05") == error_code(client_errc::bad_response));
  BOOST_TEST(sqlstate_of(error_code(client_errc::connection_lost)).empty());
}

BOOST_AUTO_TEST_CASE(messages_name_the_condition_and_code) {
  BOOST_TEST(make_sqlstate_error("23505").message() == "unique_violation (SQLSTATE 23505)");
  BOOST_TEST(make_sqlstate_error("XX123").message() == "SQLSTATE XX123");
  BOOST_TEST(error_code(mink::errc::acquire_timeout).message() == "timed out waiting for a pooled connection");
  BOOST_TEST(error_code(mink::errc::wrong_expected_version).category().name() == std::string("mink"));
  BOOST_TEST(error_code(mink::errc::empty_saga_id).message() == "saga id is empty");
  BOOST_TEST(error_code(mink::errc::empty_saga_type).message() == "saga type is empty");
  BOOST_TEST(error_code(mink::errc::empty_correlation_id).message() == "saga correlation id is empty");
  BOOST_TEST(static_cast<int>(mink::errc::empty_saga_id) == 100);  // stored and logged: values are stable
  BOOST_TEST(static_cast<int>(mink::errc::invalid_command) == 27);
  BOOST_TEST(static_cast<int>(mink::errc::idempotency_key_in_flight) == 28);  // right after invalid_command
  BOOST_TEST(error_code(mink::errc::idempotency_key_in_flight).message() ==
             "a command with this idempotency key is still executing");
}

BOOST_AUTO_TEST_CASE(conditions_group_errors) {
  BOOST_TEST((make_sqlstate_error("23505") == condition::unique_violation));
  BOOST_TEST((make_sqlstate_error("23505") == condition::integrity_violation));
  BOOST_TEST((make_sqlstate_error("23503") == condition::integrity_violation));
  BOOST_TEST((make_sqlstate_error("23503") != condition::unique_violation));
  BOOST_TEST((make_sqlstate_error("40001") == condition::retryable));
  BOOST_TEST((make_sqlstate_error("40P01") == condition::retryable));
  BOOST_TEST((make_sqlstate_error("40002") != condition::retryable));
  BOOST_TEST((make_sqlstate_error("57P01") == condition::connection_error));
  BOOST_TEST((make_sqlstate_error("08006") == condition::connection_error));
  BOOST_TEST((make_sqlstate_error("42P01") != condition::connection_error));
  BOOST_TEST((error_code(client_errc::connection_lost) == condition::connection_error));
  BOOST_TEST((error_code(client_errc::connection_failed) == condition::connection_error));
  BOOST_TEST((error_code(client_errc::bad_response) != condition::connection_error));
  BOOST_TEST((error_code(mink::errc::timeout) != condition::retryable));
}

BOOST_AUTO_TEST_SUITE_END()

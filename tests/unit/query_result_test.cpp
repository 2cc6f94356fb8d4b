// Typed decoding, tested on results built client-side with libpq (no server involved).
#include <mink/persistence/query_result.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <libpq-fe.h>

#include <cstring>

using namespace mink::persistence;
using mink::errc;
using boost::system::error_code;

namespace {

struct column {
  const char* name;
  Oid type;
};

// One-row result with the given columns and text values (nullptr = NULL).
query_result make_result(std::vector<column> cols, std::vector<const char*> values) {
  PGresult* res = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
  std::vector<PGresAttDesc> attrs(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) {
    attrs[i] = {};
    attrs[i].name = const_cast<char*>(cols[i].name);
    attrs[i].typid = cols[i].type;
    attrs[i].typlen = -1;
    attrs[i].atttypmod = -1;
  }
  PQsetResultAttrs(res, static_cast<int>(attrs.size()), attrs.data());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const char* v = values[i];
    PQsetvalue(res, 0, static_cast<int>(i), const_cast<char*>(v), v ? static_cast<int>(std::strlen(v)) : -1);
  }
  return query_result(res);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(query_result)

BOOST_AUTO_TEST_CASE(decodes_each_supported_type) {
  auto r = make_result({{"n", 20}, {"b", 16}, {"j", 3802}, {"t", 1184}, {"bytes", 17}, {"d", 1700}, {"s", 25}},
                       {"9007199254740993", "t", R"({"k":[1,2]})", "2024-01-02 03:04:05.25+00", "\\x00ff", "1549.96",
                        "héllo 🚀"});
  BOOST_TEST(r.rows() == 1u);
  BOOST_TEST(r.columns() == 7u);
  BOOST_TEST(r.get<std::int64_t>(0, 0).value() == 9007199254740993LL);
  BOOST_TEST(r.get<bool>(0, "b").value() == true);
  BOOST_TEST(r.get<boost::json::value>(0, 2).value().at("k").as_array().size() == 2u);
  const auto t = r.get<std::chrono::system_clock::time_point>(0, 3).value();
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() == 1704164645250LL);
  BOOST_TEST((r.get<std::vector<std::byte>>(0, 4).value() == std::vector<std::byte>{std::byte{0}, std::byte{0xff}}));
  BOOST_TEST(r.get<double>(0, 5).value() == 1549.96);
  BOOST_TEST(r.get<std::string>(0, 6).value() == "héllo 🚀");
  BOOST_TEST(r.get<std::string>(0, 0).value() == "9007199254740993");  // any column reads as text
}

BOOST_AUTO_TEST_CASE(null_needs_optional) {
  auto r = make_result({{"n", 23}}, {nullptr});
  BOOST_TEST(r.is_null(0, 0));
  BOOST_TEST(r.get<std::int32_t>(0, 0).error() == error_code(errc::unexpected_null));
  BOOST_TEST(!r.get<std::optional<std::int32_t>>(0, 0).value().has_value());
}

BOOST_AUTO_TEST_CASE(mismatches_and_bounds_are_errors) {
  auto r = make_result({{"s", 25}, {"n", 20}}, {"12", "70000"});
  BOOST_TEST(r.get<std::int64_t>(0, 0).error() == error_code(errc::type_mismatch));  // text is not int
  BOOST_TEST(r.get<bool>(0, 1).error() == error_code(errc::type_mismatch));
  BOOST_TEST(r.get<std::int16_t>(0, 1).error() == error_code(errc::invalid_value));  // out of range
  BOOST_TEST(r.get<std::int32_t>(0, 1).value() == 70000);
  BOOST_TEST(r.get<std::int32_t>(1, 1).error() == error_code(errc::row_out_of_range));
  BOOST_TEST(r.get<std::int32_t>(0, 2).error() == error_code(errc::column_out_of_range));
  BOOST_TEST(r.get<std::int32_t>(0, "missing").error() == error_code(errc::column_out_of_range));
  BOOST_TEST(r.get<std::int32_t>(0, "N").error() == error_code(errc::column_out_of_range));  // names are exact
}

BOOST_AUTO_TEST_CASE(corrupt_text_is_invalid_value) {
  auto r = make_result({{"j", 114}, {"t", 1184}, {"x", 17}, {"b", 16}}, {"{oops", "yesterday", "\\xZZ", "maybe"});
  BOOST_TEST(r.get<boost::json::value>(0, 0).error() == error_code(errc::invalid_value));
  BOOST_TEST(r.get<std::chrono::system_clock::time_point>(0, 1).error() == error_code(errc::invalid_value));
  BOOST_TEST(r.get<std::vector<std::byte>>(0, 2).error() == error_code(errc::invalid_value));
  BOOST_TEST(r.get<bool>(0, 3).error() == error_code(errc::invalid_value));
}

BOOST_AUTO_TEST_CASE(empty_result_has_no_rows) {
  mink::persistence::query_result r;
  BOOST_TEST(r.rows() == 0u);
  BOOST_TEST(r.columns() == 0u);
  BOOST_TEST(r.get<int>(0, 0).error() == error_code(errc::column_out_of_range));
  BOOST_TEST(r.diag().message.empty());
}

BOOST_AUTO_TEST_SUITE_END()

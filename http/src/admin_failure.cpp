#include <mink/http/admin_routes.hpp>

#include <mink/http/problem.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/system/system_error.hpp>

namespace mink::http {

bool is_database_unavailable(const boost::system::error_code& ec) noexcept {
  return ec == errc::acquire_timeout || ec == errc::connect_timeout || ec == errc::pool_not_running ||
         ec == errc::pool_exhausted || ec == persistence::condition::connection_error ||
         persistence::is_transient(ec);
}

response failure_response(const boost::system::error_code& ec, unsigned version) {
  if (!is_database_unavailable(ec)) throw boost::system::system_error(ec);
  return make_retry_later_response(service_unavailable("the database cannot be reached now; retry later"), version, 1);
}

}  // namespace mink::http

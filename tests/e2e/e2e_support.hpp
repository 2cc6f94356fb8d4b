#pragma once
// What the end-to-end suites share: one minkd per suite (a Boost.Test suite fixture), the order
// API's requests, and checks of the response shapes every route promises.

#include "http_client.hpp"
#include "minkd_process.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mink::e2e {

/// Starts minkd (fresh data directory) when the suite starts and stops it when the suite ends.
/// The running suite's server is minkd_fixture::current(); its last test case should be
/// `check_clean_stop()` so that a dirty exit fails the suite.
class minkd_fixture {
 public:
  explicit minkd_fixture(std::vector<std::string> args);
  ~minkd_fixture();

  static minkd_fixture& current();
  const endpoint& address() const { return process_->address(); }
  minkd_process& process() { return *process_; }

  /// SIGTERM; checks that minkd exited with status 0 within stop_bound.
  void check_clean_stop();

 private:
  std::unique_ptr<temp_dir> dir_;
  std::unique_ptr<minkd_process> process_;
};

/// How long a graceful stop may take: minkd's shutdown timeout for requests in flight (10 s by
/// default) and as long again for the projections, the saga, the actors and the database.
inline constexpr std::chrono::milliseconds stop_bound{20'000};

/// The suite fixtures: manual fulfilment, automatic fulfilment, and manual with a 1 s header timeout.
struct manual_minkd : minkd_fixture {
  manual_minkd();
};
struct auto_minkd : minkd_fixture {
  auto_minkd();
};
struct short_timeouts_minkd : minkd_fixture {
  short_timeouts_minkd();
};

/// The running suite's server.
inline const endpoint& server() { return minkd_fixture::current().address(); }

/// A name no other test of this run uses: "<prefix>-<n>-<pid>".
std::string unique_id(std::string_view prefix);

/// Percent-encodes everything but unreserved characters (RFC 3986), for query values.
std::string url_encode(std::string_view text);

/// Request bodies.
std::string create_body(std::string_view order_id, std::string_view customer_id);
/// `price` is JSON text (e.g. "1299.99") so that amounts are sent exactly.
std::string item_body(std::string_view sku, std::string_view name, int quantity, std::string_view price);

/// The body of a 2xx command answer: {order_id, stream_id, version, position}.
struct command_ack {
  std::string order_id;
  std::string stream_id;
  std::int64_t version = -1;
  std::int64_t position = -1;
  std::string etag;
};

/// Checks a command answer's status, content type, body members (and ETag); returns them.
command_ack check_ack(const http_response& res, unsigned status, std::string_view order_id);

/// Checks an RFC 9457 problem: status, application/problem+json, type ending in `slug` (any type
/// when `slug` is empty), title and detail strings, status member. Returns the body.
boost::json::object check_problem(const http_response& res, unsigned status, std::string_view slug);

/// Integer of a JSON number (int64, uint64 or an integral double); throws otherwise.
std::int64_t as_int(const boost::json::value& v);
/// The string member `name` of `o`; empty when missing or not a string.
std::string str(const boost::json::object& o, std::string_view name);

/// The list in a response body: the body itself when it is an array, else its member `member`
/// (then "items"). Throws when there is none.
const boost::json::array& list_in(const boost::json::value& body, std::string_view member);

/// Event type names of GET /orders/{id}/events, in order.
std::vector<std::string> event_types(const endpoint& ep, std::string_view order_id);

/// Polls GET /orders/{id} until its status is `status` (or one of the final ones differs), at most
/// `bound`; the last body seen (empty object when never 200).
boost::json::object wait_for_status(const endpoint& ep, std::string_view order_id, std::string_view status,
                                    std::chrono::milliseconds bound = std::chrono::seconds(30));

/// Creates an order with the three lines of the lifecycle test (total 1549.96, 4 items, 3 lines).
/// Returns the ack of the last command.
command_ack create_with_items(connection& c, std::string_view order_id, std::string_view customer_id,
                              const header_list& headers = {});

}  // namespace mink::e2e

#include "e2e_support.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cctype>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace mink::e2e {

namespace json = boost::json;

namespace {
minkd_fixture* current_fixture = nullptr;
}  // namespace

minkd_fixture::minkd_fixture(std::vector<std::string> args) : dir_(std::make_unique<temp_dir>()) {
  process_ = std::make_unique<minkd_process>(dir_->data_dir(), dir_->path() / "minkd.log", std::move(args));
  process_->start();
  current_fixture = this;
}

minkd_fixture::~minkd_fixture() {
  current_fixture = nullptr;
  if (process_->running()) {
    const auto r = process_->stop();
    if (!r.clean()) std::cerr << "minkd did not stop cleanly: " << r.describe() << "\n" << process_->log_tail() << "\n";
  }
  process_.reset();  // before its directory goes
}

minkd_fixture& minkd_fixture::current() {
  if (current_fixture == nullptr) throw std::logic_error("no minkd for this suite");
  return *current_fixture;
}

void minkd_fixture::check_clean_stop() {
  BOOST_REQUIRE(process_->running());
  const auto r = process_->stop(stop_bound);
  BOOST_TEST(r.clean(), "minkd after SIGTERM: " << r.describe() << "\n" << process_->log_tail());
  BOOST_TEST(r.took.count() < stop_bound.count());
}

manual_minkd::manual_minkd() : minkd_fixture({"--fulfillment", "manual", "--log-level", "warn"}) {}
auto_minkd::auto_minkd() : minkd_fixture({"--fulfillment", "auto", "--log-level", "warn"}) {}
short_timeouts_minkd::short_timeouts_minkd()
    : minkd_fixture({"--fulfillment", "manual", "--header-timeout-ms", "1000", "--log-level", "warn"}) {}

std::string unique_id(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "-" + std::to_string(++counter) + "-" + std::to_string(::getpid());
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string create_body(std::string_view order_id, std::string_view customer_id) {
  json::object o;
  o["order_id"] = order_id;
  o["customer_id"] = customer_id;
  return json::serialize(o);
}

std::string item_body(std::string_view sku, std::string_view name, int quantity, std::string_view price) {
  json::object o;
  o["sku"] = sku;
  o["name"] = name;
  o["quantity"] = quantity;
  // The price is spliced in as text: a double would not always print back as the same decimal.
  std::string text = json::serialize(o);
  text.pop_back();
  return text + ",\"price\":" + std::string(price) + "}";
}

std::int64_t as_int(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double() && static_cast<double>(static_cast<std::int64_t>(v.get_double())) == v.get_double())
    return static_cast<std::int64_t>(v.get_double());
  throw std::runtime_error("not an integer: " + json::serialize(v));
}

std::string str(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

command_ack check_ack(const http_response& res, unsigned status, std::string_view order_id) {
  command_ack ack;
  BOOST_TEST_CONTEXT("answer " << res.status << " " << res.body) {
    BOOST_TEST(res.status == status);
    BOOST_TEST(res.header("Content-Type").starts_with("application/json"));
    BOOST_TEST(!res.header("ETag").empty());
    ack.etag = res.header("ETag");
    const auto body = res.json();
    BOOST_REQUIRE(body.is_object());
    const auto& o = body.get_object();
    ack.order_id = str(o, "order_id");
    ack.stream_id = str(o, "stream_id");
    BOOST_TEST(ack.order_id == order_id);
    BOOST_TEST(!ack.stream_id.empty());
    BOOST_TEST(ack.stream_id.find(order_id) != std::string::npos);
    BOOST_REQUIRE(o.contains("version"));
    BOOST_REQUIRE(o.contains("position"));
    ack.version = as_int(o.at("version"));
    ack.position = as_int(o.at("position"));
    BOOST_TEST(ack.version >= 1);
    BOOST_TEST(ack.position >= 1);
  }
  return ack;
}

json::object check_problem(const http_response& res, unsigned status, std::string_view slug) {
  json::object o;
  BOOST_TEST_CONTEXT("answer " << res.status << " " << res.body.substr(0, 600)) {
    BOOST_TEST(res.status == status);
    BOOST_TEST(res.header("Content-Type").starts_with("application/problem+json"));
    const auto body = res.json();
    BOOST_REQUIRE(body.is_object());
    o = body.get_object();
    const std::string type = str(o, "type");
    if (!slug.empty()) BOOST_TEST(type.ends_with(slug), "type \"" << type << "\" should end with " << slug);
    else BOOST_TEST(!type.empty());
    BOOST_TEST(o.contains("title"));
    BOOST_TEST((o.contains("title") && o.at("title").is_string()));
    BOOST_TEST((o.contains("detail") && o.at("detail").is_string()));
    BOOST_TEST((o.contains("status") && as_int(o.at("status")) == static_cast<std::int64_t>(status)));
  }
  return o;
}

const json::array& list_in(const json::value& body, std::string_view member) {
  if (body.is_object()) {
    if (const auto* v = body.get_object().if_contains(member); v && v->is_array()) return v->get_array();
  }
  throw std::runtime_error("no list \"" + std::string(member) + "\" in " + json::serialize(body));
}

std::vector<std::string> event_types(const endpoint& ep, std::string_view order_id) {
  const auto res = request(ep, get("/orders/" + std::string(order_id) + "/events"));
  BOOST_TEST_REQUIRE(res.status == 200u, res.body);
  const auto body = res.json();
  std::vector<std::string> types;
  for (const auto& e : list_in(body, "events")) {
    BOOST_REQUIRE(e.is_object());
    types.push_back(str(e.get_object(), "type"));
  }
  return types;
}

json::object wait_for_status(const endpoint& ep, std::string_view order_id, std::string_view status,
                             std::chrono::milliseconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  json::object last;
  connection c(ep);
  for (;;) {
    const auto res = c.request(get("/orders/" + std::string(order_id)));
    if (res.status == 200) {
      last = res.json().as_object();
      const std::string now = str(last, "status");
      if (now == status) return last;
      // A final status other than the awaited one will not change.
      if ((now == "Completed" || now == "Cancelled") && now != status) return last;
    }
    if (std::chrono::steady_clock::now() >= until) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

command_ack create_with_items(connection& c, std::string_view order_id, std::string_view customer_id,
                              const header_list& headers) {
  const std::string id(order_id);
  check_ack(c.request(post("/orders", create_body(id, customer_id), headers)), 201, id);
  check_ack(c.request(post("/orders/" + id + "/items", item_body("LAPTOP-001", "Gaming Laptop", 1, "1299.99"), headers)),
            200, id);
  check_ack(c.request(post("/orders/" + id + "/items", item_body("MOUSE-001", "Wireless Mouse", 2, "49.99"), headers)),
            200, id);
  return check_ack(
      c.request(post("/orders/" + id + "/items", item_body("KB-001", "Mechanical Keyboard", 1, "149.99"), headers)),
      200, id);
}

}  // namespace mink::e2e

#include <ecommerce/read_model/order_summary.hpp>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

namespace ecommerce {

void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_summary& s) {
  boost::json::object o;
  o["order_id"] = s.order_id;
  o["customer_id"] = s.customer_id;
  o["status"] = s.status;
  o["item_count"] = s.item_count;
  o["line_count"] = s.line_count;
  o["total"] = boost::json::value_from(s.total);
  if (s.tracking_number) {
    o["tracking_number"] = *s.tracking_number;
  } else {
    o["tracking_number"] = nullptr;
  }
  o["version"] = s.version;
  o["created_at"] = format_rfc3339(s.created_at);
  o["updated_at"] = format_rfc3339(s.updated_at);
  v = std::move(o);
}

}  // namespace ecommerce

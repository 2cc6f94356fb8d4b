#include <ecommerce/domain/order_errc.hpp>

#include <string>

namespace ecommerce {

namespace {

class order_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "ecommerce.order"; }

  std::string message(int value) const override {
    switch (static_cast<order_errc>(value)) {
      case order_errc::already_exists: return "order already exists";
      case order_errc::not_created: return "order not created";
      case order_errc::already_submitted: return "cannot add items: order already submitted";
      case order_errc::submit_requires_created: return "can only submit created orders";
      case order_errc::empty_order: return "cannot submit empty order";
      case order_errc::ship_requires_submitted: return "can only ship submitted orders";
      case order_errc::complete_requires_shipped: return "can only complete shipped orders";
      case order_errc::cancel_shipped: return "cannot cancel shipped order";
      case order_errc::cancel_completed: return "cannot cancel completed order";
      case order_errc::already_cancelled: return "order already cancelled";
    }
    return "unknown order error " + std::to_string(value);
  }
};

}  // namespace

const boost::system::error_category& order_category() noexcept {
  static const order_category_impl category;
  return category;
}

}  // namespace ecommerce

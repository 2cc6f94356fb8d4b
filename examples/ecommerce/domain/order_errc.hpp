#pragma once
// The order's domain errors: what decide answers when a rule says no. message() is the text a user
// reads; values are stable.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace ecommerce {

enum class order_errc {
  already_exists = 1,         ///< "order already exists": CreateOrder on an existing order.
  not_created,                ///< "order not created": any other command before CreateOrder.
  already_submitted,          ///< "cannot add items: order already submitted" (or later).
  submit_requires_created,    ///< "can only submit created orders".
  empty_order,                ///< "cannot submit empty order".
  ship_requires_submitted,    ///< "can only ship submitted orders".
  complete_requires_shipped,  ///< "can only complete shipped orders".
  cancel_shipped,             ///< "cannot cancel shipped order".
  cancel_completed,           ///< "cannot cancel completed order".
  already_cancelled,          ///< "order already cancelled".
};

/// The category of order_errc, named "ecommerce.order".
const boost::system::error_category& order_category() noexcept;

inline boost::system::error_code make_error_code(order_errc e) noexcept {
  return {static_cast<int>(e), order_category()};
}

}  // namespace ecommerce

template <>
struct boost::system::is_error_code_enum<ecommerce::order_errc> : std::true_type {};

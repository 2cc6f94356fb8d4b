#pragma once
// A bank account as a pure decider: the smallest domain that shows how to plug your own
// aggregates into mink.

#include <mink/messaging/decider.hpp>

#include <boost/json.hpp>
#include <boost/system/error_category.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bank {

// Events ---------------------------------------------------------------------------------------
struct account_opened {
  static constexpr std::string_view type_name = "AccountOpened";
  std::string account_id;
  std::string owner;
  friend bool operator==(const account_opened&, const account_opened&) = default;
};
struct money_deposited {
  static constexpr std::string_view type_name = "MoneyDeposited";
  std::string account_id;
  std::int64_t cents = 0;
  friend bool operator==(const money_deposited&, const money_deposited&) = default;
};
using account_event = std::variant<account_opened, money_deposited>;

// Commands -------------------------------------------------------------------------------------
struct open_account {
  static constexpr std::string_view type_name = "OpenAccount";
  std::string account_id;
  std::string owner;
  const std::string& aggregate_id() const { return account_id; }
  std::vector<mink::field_error> validate() const {
    std::vector<mink::field_error> errors;
    if (account_id.empty()) errors.push_back({"account_id", "is required"});
    if (owner.empty()) errors.push_back({"owner", "is required"});
    return errors;
  }
};
struct deposit {
  static constexpr std::string_view type_name = "Deposit";
  std::string account_id;
  std::int64_t cents = 0;
  const std::string& aggregate_id() const { return account_id; }
  std::vector<mink::field_error> validate() const {
    std::vector<mink::field_error> errors;
    if (cents <= 0) errors.push_back({"cents", "must be greater than zero"});
    return errors;
  }
};

// JSON: how events are stored and commands fingerprinted.
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const account_opened& e) {
  v = {{"account_id", e.account_id}, {"owner", e.owner}};
}
inline account_opened tag_invoke(boost::json::value_to_tag<account_opened>, const boost::json::value& v) {
  return {boost::json::value_to<std::string>(v.at("account_id")), boost::json::value_to<std::string>(v.at("owner"))};
}
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const money_deposited& e) {
  v = {{"account_id", e.account_id}, {"cents", e.cents}};
}
inline money_deposited tag_invoke(boost::json::value_to_tag<money_deposited>, const boost::json::value& v) {
  return {boost::json::value_to<std::string>(v.at("account_id")), v.at("cents").to_number<std::int64_t>()};
}
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const open_account& c) {
  v = {{"account_id", c.account_id}, {"owner", c.owner}};
}
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const deposit& c) {
  v = {{"account_id", c.account_id}, {"cents", c.cents}};
}

// Domain errors: an error category of your own; its messages are what users read.
enum class account_errc { already_open = 1, not_open };

inline const boost::system::error_category& account_category() {
  struct category final : boost::system::error_category {
    const char* name() const noexcept override { return "bank.account"; }
    std::string message(int v) const override {
      return v == static_cast<int>(account_errc::already_open) ? "account already open" : "account not open";
    }
  };
  static const category instance;
  return instance;
}

inline boost::system::error_code make_error_code(account_errc e) {
  return {static_cast<int>(e), account_category()};
}

// The decider ----------------------------------------------------------------------------------
struct account {
  static constexpr std::string_view category = "Account";
  struct state_type {
    bool open = false;
    std::int64_t balance_cents = 0;
  };
  using event_type = account_event;

  static state_type evolve(state_type s, const event_type& e) {
    if (std::holds_alternative<account_opened>(e)) s.open = true;
    if (const auto* d = std::get_if<money_deposited>(&e)) s.balance_cents += d->cents;
    return s;
  }
  static mink::decision<event_type> decide(const state_type& s, const open_account& c) {
    if (s.open) return make_error_code(account_errc::already_open);
    return std::vector<event_type>{account_opened{c.account_id, c.owner}};
  }
  static mink::decision<event_type> decide(const state_type& s, const deposit& c) {
    if (!s.open) return make_error_code(account_errc::not_open);
    return std::vector<event_type>{money_deposited{c.account_id, c.cents}};
  }
};

}  // namespace bank

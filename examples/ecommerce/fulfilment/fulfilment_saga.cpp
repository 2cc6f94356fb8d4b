#include <ecommerce/fulfilment/fulfilment_saga.hpp>

#include <ecommerce/domain/commands.hpp>
#include <ecommerce/domain/order_errc.hpp>

#include <mink/messaging/errc.hpp>
#include <mink/persistence/aggregate_repository.hpp>
#include <mink/persistence/event_store.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/json/array.hpp>
#include <boost/system/system_error.hpp>

#include <set>

namespace ecommerce {

namespace asio = boost::asio;
using boost::system::error_code;
using mink::actors::saga_context;
using mink::actors::saga_definition;

std::string fulfilment_saga_id(std::string_view order_id) {
  return std::string(fulfilment_saga_type) + "-" + std::string(order_id);
}

namespace {

const std::string refund_key = "RefundPayment";
const std::string release_key = "ReleaseInventory";
const std::string cancel_key = "CancelOrder";

/// A failure worth the same thing again later: thrown as system_error, the saga manager then
/// redelivers instead of failing the saga.
bool transient(const error_code& ec) {
  return mink::persistence::is_transient(ec) || ec == mink::errc::timeout || ec == mink::errc::shutting_down ||
         ec == mink::errc::internal_error;
}

void throw_if_failed(const error_code& ec, const char* what) {
  if (ec) throw boost::system::system_error(ec, what);
}

std::string order_id_of(saga_context& ctx) {
  const auto* v = ctx.data().if_contains("order_id");
  return v && v->is_string() ? std::string(v->as_string()) : ctx.correlation_id();
}

money total_of(saga_context& ctx) {
  const auto* v = ctx.data().if_contains("total_cents");
  return money::from_cents(v && v->is_int64() ? v->as_int64() : 0);
}

void set_cancel_reason(saga_context& ctx, std::string_view reason) { ctx.data()["cancel_reason"] = reason; }

/// The SKUs of the order, from its own stream (the saga keeps only what OrderSubmitted says).
asio::awaitable<std::vector<std::string>> order_skus(mink::persistence::event_store& events, std::string order_id) {
  auto [ec, stored] = co_await mink::persistence::read_stream_from(events, "Order-" + order_id, 1, 0);
  throw_if_failed(ec, "reading the order");
  std::set<std::string> skus;
  for (const auto& e : stored) {
    if (e.type != "ItemAdded") continue;
    if (const auto* sku = e.data.as_object().if_contains("sku"); sku && sku->is_string())
      skus.emplace(sku->as_string());
  }
  co_return std::vector<std::string>(skus.begin(), skus.end());
}

}  // namespace

saga_definition make_fulfilment_saga(fulfilment_saga_services services) {
  saga_definition def;
  def.type = std::string(fulfilment_saga_type);
  def.start_events = {"OrderSubmitted"};
  def.correlate = [](const mink::recorded_event& e) -> std::string {
    if (!e.data.is_object()) return {};
    const auto* id = e.data.as_object().if_contains("order_id");
    return id && id->is_string() ? std::string(id->as_string()) : std::string();
  };

  // AcceptOrder: nothing to do forward; undone by cancelling the order with the saga's reason.
  mink::actors::saga_step_definition accept;
  accept.name = std::string(accept_order_step);
  accept.run = [](saga_context& ctx) -> asio::awaitable<void> {
    ctx.complete_step(accept_order_step);
    co_return;
  };
  accept.compensate = [](saga_context& ctx) -> asio::awaitable<error_code> {
    const auto* reason = ctx.data().if_contains("cancel_reason");
    cancel_order cmd;
    cmd.order_id = order_id_of(ctx);
    cmd.reason = reason && reason->is_string() ? std::string(reason->as_string()) : "fulfilment failed";
    auto env = mink::make_envelope(std::move(cmd));
    auto out = co_await ctx.dispatch(cancel_key, std::move(env));
    if (out.ec == order_errc::already_cancelled) co_return error_code();
    if (transient(out.ec)) throw boost::system::system_error(out.ec, "cancelling the order");
    co_return out.ec;
  };

  mink::actors::saga_step_definition pay;
  pay.name = std::string(process_payment_step);
  pay.run = [services](saga_context& ctx) -> asio::awaitable<void> {
    boost::json::object payload;
    payload["step"] = process_payment_step;
    auto scheduled = co_await ctx.schedule_deadline(services.payment_deadline, std::move(payload));
    throw_if_failed(scheduled, "scheduling the payment deadline");
    // Recorded by the gateway before this returns; a failure is retried by delivering the event
    // again, and asking again with the same id records the request once.
    auto requested =
        co_await services.payments->request(order_id_of(ctx), total_of(ctx), ctx.derived_id(process_payment_step));
    throw_if_failed(requested, "requesting the payment");
  };
  pay.compensate = [services](saga_context& ctx) -> asio::awaitable<error_code> {
    auto ec = co_await services.payments->refund(order_id_of(ctx), total_of(ctx), ctx.derived_id(refund_key));
    throw_if_failed(ec, "refunding the payment");
    co_return ec;
  };

  mink::actors::saga_step_definition reserve;
  reserve.name = std::string(reserve_inventory_step);
  reserve.run = [services](saga_context& ctx) -> asio::awaitable<void> {
    auto skus = co_await order_skus(*services.events, order_id_of(ctx));
    auto ec = co_await services.inventory->reserve(order_id_of(ctx), std::move(skus),
                                                   ctx.derived_id(reserve_inventory_step));
    throw_if_failed(ec, "reserving stock");
  };
  reserve.compensate = [services](saga_context& ctx) -> asio::awaitable<error_code> {
    auto ec = co_await services.inventory->release(order_id_of(ctx), ctx.derived_id(release_key));
    throw_if_failed(ec, "releasing stock");
    co_return ec;
  };

  mink::actors::saga_step_definition ship;
  ship.name = std::string(ship_order_step);
  ship.run = [](saga_context& ctx) -> asio::awaitable<void> {
    const std::string order_id = order_id_of(ctx);
    ship_order cmd;
    cmd.order_id = order_id;
    cmd.tracking_number = tracking_number_from_carrier(order_id);
    auto env = mink::make_envelope(std::move(cmd));
    auto out = co_await ctx.dispatch(ship_order_step, std::move(env));
    if (!out.ec) {
      ctx.data()["tracking_number"] = tracking_number_from_carrier(order_id);
      ctx.complete_step(ship_order_step);
      co_return;
    }
    if (transient(out.ec)) throw boost::system::system_error(out.ec, "shipping the order");
    set_cancel_reason(ctx, "shipping failed");
    ctx.fail_step(ship_order_step, out.result.error_message.empty() ? out.ec.message() : out.result.error_message);
  };

  def.steps = {accept, pay, reserve, ship};

  def.on_event["OrderSubmitted"] = [](saga_context& ctx) -> asio::awaitable<void> {
    const auto& data = ctx.event()->data.as_object();
    if (const auto* id = data.if_contains("order_id")) ctx.data()["order_id"] = *id;
    if (const auto* total = data.if_contains("total_amount")) {
      auto amount = money_from_json(*total);
      ctx.data()["total_cents"] = amount ? amount->cents : 0;
    }
    co_await ctx.start_step(accept_order_step);
    co_await ctx.start_step(process_payment_step);
  };
  def.on_event[std::string(payment_processed)] = [services](saga_context& ctx) -> asio::awaitable<void> {
    if (ctx.is_running(process_payment_step)) {
      auto cancelled = co_await ctx.cancel_deadlines();
      throw_if_failed(cancelled, "cancelling the payment deadline");
      ctx.complete_step(process_payment_step);
      co_await ctx.start_step(reserve_inventory_step);
    } else if (ctx.step_status(process_payment_step) == mink::persistence::step_status::failed) {
      // The answer came after the deadline had failed the step: the money goes back.
      auto ec = co_await services.payments->refund(order_id_of(ctx), total_of(ctx), ctx.derived_id(refund_key));
      throw_if_failed(ec, "refunding a late payment");
    }
  };
  def.on_event[std::string(payment_declined)] = [](saga_context& ctx) -> asio::awaitable<void> {
    if (!ctx.is_running(process_payment_step)) co_return;
    set_cancel_reason(ctx, "payment declined");
    ctx.fail_step(process_payment_step, "payment declined");
  };
  def.on_event[std::string(inventory_reserved)] = [](saga_context& ctx) -> asio::awaitable<void> {
    if (!ctx.is_running(reserve_inventory_step)) co_return;
    ctx.complete_step(reserve_inventory_step);
    co_await ctx.start_step(ship_order_step);
  };
  def.on_event[std::string(inventory_reservation_failed)] = [](saga_context& ctx) -> asio::awaitable<void> {
    if (!ctx.is_running(reserve_inventory_step)) co_return;
    set_cancel_reason(ctx, "out of stock");
    ctx.fail_step(reserve_inventory_step, "out of stock");
  };
  def.on_event["OrderCompleted"] = [](saga_context& ctx) -> asio::awaitable<void> {
    if (ctx.step_status(ship_order_step) == mink::persistence::step_status::completed) ctx.complete();
    co_return;
  };
  def.on_deadline = [](saga_context& ctx) -> asio::awaitable<void> {
    const auto* step = ctx.deadline()->payload.is_object() ? ctx.deadline()->payload.as_object().if_contains("step")
                                                           : nullptr;
    const bool for_payment = step && step->is_string() && step->as_string() == process_payment_step;
    if (!for_payment || !ctx.is_running(process_payment_step)) co_return;
    set_cancel_reason(ctx, "payment timed out");
    ctx.fail_step(process_payment_step, "payment timed out");
  };
  return def;
}

}  // namespace ecommerce

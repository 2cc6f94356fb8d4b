#include "append_record.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/persistence/command_record.hpp>

#include <boost/json/object.hpp>

namespace mink::persistence {

idempotency_claim command_claim(const idempotency_request& request, const dispatch_result& partial) {
  idempotency_claim claim;
  claim.key = request.key;
  claim.fingerprint = request.fingerprint;
  if (request.ttl.count() > 0) claim.ttl = request.ttl;
  boost::json::object response;
  response["command_id"] = partial.command_id;
  response["correlation_id"] = partial.correlation_id;
  response["event_count"] = partial.event_count;
  claim.response = std::move(response);
  return claim;
}

namespace {

/// Takes the ids and the event count a claim's response holds.
void take_response(const boost::json::value& response, dispatch_result& out) {
  const dispatch_result stored = dispatch_result_from_json(response);
  if (!stored.command_id.empty()) out.command_id = stored.command_id;
  if (!stored.correlation_id.empty()) out.correlation_id = stored.correlation_id;
  out.event_count = stored.event_count;
}

}  // namespace

dispatch_result dispatch_result_from_append(const append_result& appended, dispatch_result partial) {
  dispatch_result out = std::move(partial);
  out.stream_id = appended.stream_id;
  out.version = appended.version;
  out.positions = appended.positions;
  out.replayed = appended.replayed;
  if (appended.replayed_by_key) take_response(appended.response, out);
  else if (appended.replayed) out.event_count = appended.positions.size();
  return out;
}

dispatch_result dispatch_result_from_record(const idempotency_record& record) {
  append_result appended;
  detail::replay_from_record(record.result, appended);
  dispatch_result out;
  if (const auto* o = record.result.if_object(); o && o->contains("response")) {
    // Written by an append with its claim.
    if (const auto* s = o->if_contains("stream_id"); s && s->is_string()) appended.stream_id = std::string(s->get_string());
    out = dispatch_result_from_append(appended, {});
  } else {
    // Saved by the idempotency stage: the whole result.
    out = dispatch_result_from_json(record.result);
  }
  out.replayed = true;
  return out;
}

}  // namespace mink::persistence

#pragma once
// How a command's result is kept with its idempotency key, and read back for a repeat.

#include <mink/messaging/command_envelope.hpp>
#include <mink/messaging/dispatch_result.hpp>
#include <mink/persistence/append.hpp>
#include <mink/persistence/idempotency.hpp>

namespace mink::persistence {

/// The claim an aggregate records with a command's events: the envelope's idempotency request,
/// and as response the parts of the result an append does not know (command id, correlation id,
/// event count).
idempotency_claim command_claim(const idempotency_request& request, const dispatch_result& partial);

/// A command's result from its append: stream, version, positions, and, when the append was
/// answered from a stored claim, what that claim's response held (replayed is then true).
dispatch_result dispatch_result_from_append(const append_result& appended, dispatch_result partial);

/// A repeat's answer from a live idempotency record, whichever wrote it (an append's claim, or
/// the idempotency stage for a command that recorded no events). replayed is true.
dispatch_result dispatch_result_from_record(const idempotency_record& record);

}  // namespace mink::persistence

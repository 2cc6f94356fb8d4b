// The command bus and each middleware stage on its own: no database, no actors; handlers are
// coroutines that answer at once or after a timer.
#include <mink/messaging/command_bus.hpp>
#include <mink/messaging/correlation_middleware.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/messaging/logging_middleware.hpp>
#include <mink/messaging/metrics_middleware.hpp>
#include <mink/messaging/recovery_middleware.hpp>
#include <mink/messaging/retry_middleware.hpp>
#include <mink/messaging/timeout_middleware.hpp>
#include <mink/messaging/uuid.hpp>
#include <mink/messaging/validation_middleware.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

struct rename_thing {
  static constexpr std::string_view type_name = "RenameThing";
  std::string thing_id;
  std::string name;
  const std::string& aggregate_id() const { return thing_id; }
  std::vector<mink::field_error> validate() const {
    std::vector<mink::field_error> errors;
    if (thing_id.empty()) errors.push_back({"thing_id", "is required"});
    if (name.empty()) errors.push_back({"name", "is required"});
    else if (name.size() > 5) errors.push_back({"name", "must be at most 5 characters"});
    return errors;
  }
};

void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const rename_thing& c) {
  v = {{"thing_id", c.thing_id}, {"name", c.name}};
}

struct other_command {
  static constexpr std::string_view type_name = "Other";
  std::string id;
  const std::string& aggregate_id() const { return id; }
};

void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const other_command& c) { v = {{"id", c.id}}; }

/// A stage that writes its name into a shared trace on the way in and on the way out.
class tracing_middleware final : public mink::middleware {
 public:
  tracing_middleware(std::string name, std::vector<std::string>& trace) : name_(std::move(name)), trace_(trace) {}
  asio::awaitable<mink::dispatch_outcome> handle(mink::command_envelope& env, mink::dispatch_next next) override {
    trace_.push_back(name_ + ">");
    mink::dispatch_outcome out = co_await next(env);
    trace_.push_back("<" + name_);
    co_return out;
  }

 private:
  std::string name_;
  std::vector<std::string>& trace_;
};

struct fixture {
  asio::io_context ioc;
  mink::command_bus bus{ioc.get_executor()};
  int handled = 0;
  mink::command_envelope seen;

  /// A handler that answers version 1 of "Thing-<id>" and remembers the envelope it was given.
  void register_ok_handler() {
    BOOST_REQUIRE(!bus.register_handler<rename_thing>(
        [this](const mink::command_envelope& env) -> asio::awaitable<mink::dispatch_outcome> {
          ++handled;
          seen = env;
          mink::dispatch_outcome out;
          out.result.stream_id = "Thing-" + env.command->aggregate_id();
          out.result.version = 1;
          out.result.event_count = 1;
          co_return out;
        }));
  }

  /// Dispatches and runs the context until the answer arrives (bounded).
  std::pair<error_code, mink::dispatch_result> dispatch(rename_thing c, mink::dispatch_options options = {}) {
    std::optional<std::pair<error_code, mink::dispatch_result>> answer;
    bus.async_dispatch(std::move(c), std::move(options),
                       [&](error_code ec, mink::dispatch_result r) { answer.emplace(ec, std::move(r)); });
    BOOST_TEST(!answer.has_value());  // never inline
    ioc.restart();
    for (int i = 0; i < 2000 && !answer; ++i) ioc.run_for(std::chrono::milliseconds(5));
    BOOST_REQUIRE(answer.has_value());
    return *answer;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(command_bus)

BOOST_FIXTURE_TEST_CASE(routes_to_the_handler_of_the_type_and_generates_a_command_id, fixture) {
  register_ok_handler();
  auto [ec, r] = dispatch({"7", "box"});
  BOOST_TEST(!ec);
  BOOST_TEST(handled == 1);
  BOOST_TEST(r.stream_id == "Thing-7");
  BOOST_TEST(mink::is_uuid(r.command_id));
  BOOST_TEST(seen.command->as<rename_thing>()->name == "box");
  BOOST_TEST(seen.command->as<other_command>() == nullptr);
}

BOOST_FIXTURE_TEST_CASE(a_second_handler_for_one_type_is_refused, fixture) {
  register_ok_handler();
  auto ec = bus.register_handler<rename_thing>(
      [](const mink::command_envelope&) -> asio::awaitable<mink::dispatch_outcome> { co_return mink::dispatch_outcome{}; });
  BOOST_TEST((ec == mink::errc::duplicate_registration));
  dispatch({"7", "box"});
  BOOST_TEST(handled == 1);  // the first handler stays
}

BOOST_FIXTURE_TEST_CASE(a_type_without_handler_is_no_handler, fixture) {
  std::optional<error_code> answer;
  std::string message;
  bus.async_dispatch(other_command{"1"}, {}, [&](error_code ec, mink::dispatch_result r) {
    answer = ec;
    message = r.error_message;
  });
  ioc.run();
  BOOST_TEST((answer == error_code(mink::errc::no_handler)));
  BOOST_TEST(message.find("\"Other\"") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(an_envelope_without_command_is_invalid, fixture) {
  std::optional<error_code> answer;
  bus.async_dispatch(mink::command_envelope{}, [&](error_code ec, mink::dispatch_result) { answer = ec; });
  ioc.run();
  BOOST_TEST((answer == error_code(mink::errc::invalid_command)));
}

BOOST_FIXTURE_TEST_CASE(stages_run_outer_to_inner_in_the_order_added, fixture) {
  std::vector<std::string> trace;
  bus.use(std::make_shared<tracing_middleware>("a", trace)).use(std::make_shared<tracing_middleware>("b", trace));
  register_ok_handler();
  dispatch({"7", "box"});
  BOOST_TEST(trace == (std::vector<std::string>{"a>", "b>", "<b", "<a"}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(an_exception_without_recovery_stage_still_becomes_an_error, fixture) {
  BOOST_REQUIRE(!bus.register_handler<rename_thing>(
      [](const mink::command_envelope&) -> asio::awaitable<mink::dispatch_outcome> {
        throw std::runtime_error("boom");
        co_return mink::dispatch_outcome{};
      }));
  auto [ec, r] = dispatch({"7", "box"});
  BOOST_TEST((ec == mink::errc::unhandled_exception));
  BOOST_TEST(r.error_message == "boom");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(middleware)

BOOST_FIXTURE_TEST_CASE(recovery_turns_an_exception_into_an_error_and_the_next_command_runs, fixture) {
  bus.use(std::make_shared<mink::recovery_middleware>());
  int calls = 0;
  BOOST_REQUIRE(!bus.register_handler<rename_thing>(
      [&](const mink::command_envelope&) -> asio::awaitable<mink::dispatch_outcome> {
        if (++calls == 1) throw std::logic_error("decide blew up");
        co_return mink::dispatch_outcome{};
      }));
  auto [ec, r] = dispatch({"7", "box"});
  BOOST_TEST((ec == mink::errc::unhandled_exception));
  BOOST_TEST(r.error_message == "RenameThing failed: decide blew up");
  auto [ec2, r2] = dispatch({"7", "box"});
  BOOST_TEST(!ec2);
}

BOOST_FIXTURE_TEST_CASE(validation_lists_every_failing_field_and_never_calls_the_handler, fixture) {
  bus.use(std::make_shared<mink::validation_middleware>());
  register_ok_handler();
  auto [ec, r] = dispatch({"", "toolong"});
  BOOST_TEST((ec == mink::errc::validation_failed));
  BOOST_TEST(handled == 0);
  BOOST_REQUIRE(r.field_errors.size() == 2u);
  BOOST_TEST(r.field_errors[0].field == "thing_id");
  BOOST_TEST(r.field_errors[1].field == "name");
  BOOST_TEST(r.error_message == "invalid RenameThing: thing_id is required; name must be at most 5 characters");
  auto [ok, r2] = dispatch({"7", "box"});
  BOOST_TEST(!ok);
}

BOOST_FIXTURE_TEST_CASE(correlation_id_is_kept_or_generated, fixture) {
  bus.use(std::make_shared<mink::correlation_id_middleware>());
  register_ok_handler();
  mink::dispatch_options given;
  given.correlation_id = "conversation-1";
  auto [ec, r] = dispatch({"7", "box"}, given);
  BOOST_TEST(seen.options.correlation_id == "conversation-1");
  BOOST_TEST(r.correlation_id == "conversation-1");
  auto [ec2, r2] = dispatch({"7", "box"});
  BOOST_TEST(mink::is_uuid(seen.options.correlation_id));
  BOOST_TEST(r2.correlation_id == seen.options.correlation_id);
}

BOOST_FIXTURE_TEST_CASE(causation_id_is_kept_or_the_command_id, fixture) {
  bus.use(std::make_shared<mink::causation_id_middleware>());
  register_ok_handler();
  mink::dispatch_options given;
  given.command_id = "cmd-1";
  dispatch({"7", "box"}, given);
  BOOST_TEST(seen.options.causation_id == "cmd-1");
  given.causation_id = "event-9";
  dispatch({"7", "box"}, given);
  BOOST_TEST(seen.options.causation_id == "event-9");
}

BOOST_FIXTURE_TEST_CASE(logging_reports_ids_duration_and_outcome, fixture) {
  std::vector<mink::command_log_record> records;
  bus.use(std::make_shared<mink::correlation_id_middleware>())
      .use(std::make_shared<mink::logging_middleware>([&](const mink::command_log_record& r) { records.push_back(r); }))
      .use(std::make_shared<mink::validation_middleware>());
  register_ok_handler();
  mink::dispatch_options given;
  given.command_id = "cmd-1";
  given.correlation_id = "corr-1";
  dispatch({"7", "box"}, given);
  dispatch({"7", ""}, given);
  BOOST_REQUIRE(records.size() == 2u);
  BOOST_TEST(records[0].command_type == "RenameThing");
  BOOST_TEST(records[0].command_id == "cmd-1");
  BOOST_TEST(records[0].correlation_id == "corr-1");
  BOOST_TEST(records[0].aggregate_id == "7");
  BOOST_TEST(!records[0].ec);
  BOOST_TEST((records[1].ec == mink::errc::validation_failed));
  const std::string line = mink::format_log_record(records[1]);
  BOOST_TEST(line.find("RenameThing command=cmd-1 correlation=corr-1 aggregate=7 ") == 0u);
  BOOST_TEST(line.find("failed: invalid RenameThing: name is required") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(timeout_answers_when_the_handler_is_too_slow, fixture) {
  bus.use(std::make_shared<mink::timeout_middleware>(std::chrono::milliseconds(20)));
  BOOST_REQUIRE(!bus.register_handler<rename_thing>(
      [](const mink::command_envelope& env) -> asio::awaitable<mink::dispatch_outcome> {
        const auto delay = env.command->as<rename_thing>()->name == "slow" ? std::chrono::seconds(2)
                                                                           : std::chrono::milliseconds(0);
        asio::steady_timer t(co_await asio::this_coro::executor, delay);
        error_code ignored;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        mink::dispatch_outcome out;
        out.result.version = 3;
        co_return out;
      }));
  const auto start = std::chrono::steady_clock::now();
  auto [ec, r] = dispatch({"7", "slow"});
  BOOST_TEST((ec == mink::errc::timeout));
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(1)));
  auto [ok, r2] = dispatch({"7", "fast"});
  BOOST_TEST(!ok);
  BOOST_TEST(r2.version == 3u);
}

BOOST_FIXTURE_TEST_CASE(timeout_answers_each_of_many_pending_commands_once, fixture) {
  bus.use(std::make_shared<mink::timeout_middleware>(std::chrono::milliseconds(30)));
  BOOST_REQUIRE(!bus.register_handler<rename_thing>(
      [](const mink::command_envelope& env) -> asio::awaitable<mink::dispatch_outcome> {
        const bool slow = env.command->as<rename_thing>()->name == "slow";
        asio::steady_timer t(co_await asio::this_coro::executor,
                             slow ? std::chrono::milliseconds(300) : std::chrono::milliseconds(1));
        error_code ignored;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        co_return mink::dispatch_outcome{};
      }));
  // Slow and fast commands interleaved: every slow one times out, every fast one answers, and
  // each caller hears exactly once (the late answers of the slow ones are dropped).
  std::vector<error_code> answers;
  int calls = 0;
  for (int i = 0; i < 20; ++i) {
    bus.async_dispatch(rename_thing{"7", i % 2 ? "slow" : "fast"}, {}, [&, i](error_code ec, mink::dispatch_result) {
      ++calls;
      if (answers.size() < 20) answers.resize(20);
      answers[static_cast<std::size_t>(i)] = ec;
    });
  }
  ioc.restart();
  for (int i = 0; i < 200 && calls < 20; ++i) ioc.run_for(std::chrono::milliseconds(5));
  ioc.run_for(std::chrono::milliseconds(400));  // the slow handlers finish: no second answer
  BOOST_TEST(calls == 20);
  for (int i = 0; i < 20; ++i) {
    if (i % 2) BOOST_TEST((answers[static_cast<std::size_t>(i)] == mink::errc::timeout));
    else BOOST_TEST(!answers[static_cast<std::size_t>(i)]);
  }
}

BOOST_FIXTURE_TEST_CASE(retry_repeats_transient_errors_only_and_gives_up, fixture) {
  mink::retry_params params;
  params.max_attempts = 3;
  params.initial_backoff = std::chrono::milliseconds(1);
  bus.use(std::make_shared<mink::retry_middleware>(params));
  int calls = 0;
  BOOST_REQUIRE(!bus.register_handler<rename_thing>(
      [&](const mink::command_envelope& env) -> asio::awaitable<mink::dispatch_outcome> {
        ++calls;
        const std::string& name = env.command->as<rename_thing>()->name;
        if (name == "busy") co_return mink::dispatch_failure(mink::errc::mailbox_full);
        if (name == "twice" && calls < 2) co_return mink::dispatch_failure(mink::errc::acquire_timeout);
        if (name == "bad") co_return mink::dispatch_failure(mink::errc::wrong_expected_version);
        co_return mink::dispatch_outcome{};
      }));
  auto [busy, r1] = dispatch({"7", "busy"});
  BOOST_TEST((busy == mink::errc::mailbox_full));
  BOOST_TEST(calls == 3);
  calls = 0;
  auto [twice, r2] = dispatch({"7", "twice"});
  BOOST_TEST(!twice);
  BOOST_TEST(calls == 2);
  calls = 0;
  auto [bad, r3] = dispatch({"7", "bad"});
  BOOST_TEST((bad == mink::errc::wrong_expected_version));
  BOOST_TEST(calls == 1);
}

BOOST_FIXTURE_TEST_CASE(metrics_count_per_type_and_outcome, fixture) {
  auto metrics = std::make_shared<mink::command_metrics>();
  bus.use(std::make_shared<mink::metrics_middleware>(metrics)).use(std::make_shared<mink::validation_middleware>());
  register_ok_handler();
  dispatch({"7", "box"});
  dispatch({"8", "box"});
  dispatch({"9", ""});
  auto snapshot = metrics->snapshot();
  BOOST_TEST(snapshot.size() == 2u);
  const auto& ok = snapshot[mink::command_metrics::key("RenameThing", "ok")];
  BOOST_TEST(ok.count == 2u);
  BOOST_TEST(snapshot[mink::command_metrics::key("RenameThing", "validation failed")].count == 1u);
  std::uint64_t in_buckets = 0;
  for (auto n : ok.buckets) in_buckets += n;
  BOOST_TEST(in_buckets == 2u);
  // One event per successful command; the failed one appended nothing.
  const auto events = metrics->events_snapshot();
  BOOST_TEST(events.size() == 1u);
  BOOST_TEST(events.at("RenameThing") == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

#pragma once
// Driving an io_context in a unit test until a condition holds, with a bound.

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace mink::test {

/// Runs `ioc` in 2 ms slices until `done()` holds or `limit` has passed; returns done().
template <class Pred>
bool run_until(boost::asio::io_context& ioc, Pred done,
               std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(2));
  }
  return done();
}

}  // namespace mink::test

#pragma once
// Completion for coroutines that mink spawns for itself: an escaping exception is a defect, so it
// is reported on stderr rather than lost (the library has no logger at this layer yet).

#include <exception>
#include <iostream>

namespace mink::persistence::detail {

struct report_exception {
  const char* what_;
  explicit report_exception(const char* what) : what_(what) {}
  void operator()(std::exception_ptr ep) const noexcept {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      std::cerr << "mink: unexpected exception in " << what_ << ": " << e.what() << '\n';
    } catch (...) {
      std::cerr << "mink: unexpected exception in " << what_ << '\n';
    }
  }
};

}  // namespace mink::persistence::detail

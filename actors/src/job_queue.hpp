#pragma once
// An intrusive FIFO of jobs: two pointers per mailbox, nothing allocated while it is empty.

#include <mink/actors/detail/job.hpp>

#include <memory>

namespace mink::actors::detail {

class job_queue {
 public:
  job_queue() = default;
  job_queue(const job_queue&) = delete;
  job_queue& operator=(const job_queue&) = delete;
  ~job_queue() {
    while (pop()) {
    }
  }

  bool empty() const noexcept { return head_ == nullptr; }

  void push(std::unique_ptr<job> j) noexcept {
    job* p = j.release();
    p->next = nullptr;
    if (tail_) {
      tail_->next = p;
    } else {
      head_ = p;
    }
    tail_ = p;
  }

  std::unique_ptr<job> pop() noexcept {
    job* p = head_;
    if (!p) return nullptr;
    head_ = p->next;
    if (!head_) tail_ = nullptr;
    p->next = nullptr;
    return std::unique_ptr<job>(p);
  }

 private:
  job* head_ = nullptr;
  job* tail_ = nullptr;
};

}  // namespace mink::actors::detail

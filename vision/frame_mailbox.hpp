// SPDX-License-Identifier: Apache-2.0
#pragma once
// One-slot "latest frame" mailbox between a camera's capture thread and its vision
// thread (docs/ARCHITECTURE.md, Threading). Capture never blocks: a newer frame replaces an
// unread one, and the replaced frame is counted as dropped, so a slow detector lowers the
// processed rate instead of building latency. Thread-safe; any number of producers, one
// consumer.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace kelu::vision {

template <class Frame>
class frame_mailbox {
 public:
  // Never blocks on the consumer.
  void put(Frame f) {
    {
      std::lock_guard lock(mutex_);
      if (slot_) ++dropped_;
      slot_ = std::move(f);
      ++delivered_;
    }
    ready_.notify_one();
  }

  // Waits up to `timeout` for a frame; empty on timeout or after close().
  std::optional<Frame> take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return slot_.has_value() || closed_; });
    std::optional<Frame> out;
    out.swap(slot_);
    return out;
  }

  // Wakes the consumer for good: take() returns what is left, then empty at once.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  std::int64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  std::int64_t delivered() const {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<Frame> slot_;
  bool closed_ = false;
  std::int64_t dropped_ = 0;
  std::int64_t delivered_ = 0;
};

}  // namespace kelu::vision

// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <climits>

#include "core/event_ingest.hpp"

namespace kelu::test {

// Passes `allowed` submits to the real ingest, then fails each as storage would (busy, disk
// full), answering on the io_context as the contract requires. Tests set `allowed` at will.
class flaky_ingest final : public core::event_ingest {
 public:
  flaky_ingest(boost::asio::io_context& io, core::event_ingest& inner, int allow = INT_MAX)
      : io_(io), inner_(inner), allowed(allow) {}
  void submit(std::vector<core::event> batch, core::commit_handler done) override {
    if (allowed.fetch_sub(1) > 0) return inner_.submit(std::move(batch), std::move(done));
    boost::asio::post(io_, [done = std::move(done)] { done(core::error{"storage: disk full"}); });
  }

 private:
  boost::asio::io_context& io_;
  core::event_ingest& inner_;

 public:
  std::atomic<int> allowed;
};

}  // namespace kelu::test

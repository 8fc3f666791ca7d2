// SPDX-License-Identifier: Apache-2.0
#pragma once
// The real chain a source talks to: a SQLite store in a fresh directory, the group
// committer, and an io_context on its own thread, as in the agent. Source tests derive
// from it and add their source.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <future>
#include <thread>

#include "core/clock.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/outbox.hpp"
#include "temp_dir.hpp"

namespace kelu::test {

struct store_fixture : testing::Test {
  void start_io() { thread = std::thread([this] { io.run(); }); }
  // Runs `first` on the io thread (a source's stop()), then lets the io thread finish.
  void stop_io(const std::function<void()>& first) {
    if (!thread.joinable()) return;
    std::promise<void> done;
    boost::asio::post(io, [&] {
      if (first) first();
      done.set_value();
    });
    done.get_future().wait();
    work.reset();
    io.stop();  // a handler still waiting (a linger timer) is abandoned, not waited for
    thread.join();
  }
  // Runs `f` on the io thread and returns its result: the store is the io thread's.
  template <class F>
  auto on_io(F f) {
    std::promise<decltype(f())> p;
    boost::asio::post(io, [&] { p.set_value(f()); });
    return p.get_future().get();
  }
  std::int64_t stored() {
    return on_io([this] { return store.count(); });
  }

  temp_dir dir;
  std::unique_ptr<sync::database> db = sync::database::open({dir.file("k.db"), false}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("a", "s1")};
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  core::system_clock clock;
  sync::group_committer committer{io.get_executor(), store, clock, 10000, 1000};
  std::thread thread;
};

}  // namespace kelu::test

// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <thread>

#include "vision/frame_mailbox.hpp"

namespace kelu::vision {
namespace {

using namespace std::chrono_literals;

TEST(frame_mailbox, keeps_only_the_latest_frame_and_counts_the_rest) {
  frame_mailbox<cv::Mat> box;
  for (int i = 0; i < 5; ++i) box.put(cv::Mat(2, 2, CV_8UC1, cv::Scalar(i)));
  auto f = box.take(0ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->at<unsigned char>(0, 0), 4);
  EXPECT_EQ(box.dropped(), 4);
  EXPECT_EQ(box.delivered(), 5);
  EXPECT_FALSE(box.take(10ms));
}

TEST(frame_mailbox, a_slow_consumer_never_blocks_the_producer) {
  frame_mailbox<int> box;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (int i = 1; i <= 100000; ++i) box.put(i);
    done = true;
  });
  int last = 0, taken = 0;
  while (!done || last != 100000) {
    if (auto f = box.take(50ms)) {
      EXPECT_GT(*f, last);  // frames only move forward
      last = *f;
      ++taken;
      std::this_thread::sleep_for(1ms);  // a slow detector
    }
  }
  producer.join();
  EXPECT_EQ(box.dropped() + taken, 100000);
}

TEST(frame_mailbox, close_wakes_a_waiting_consumer) {
  frame_mailbox<int> box;
  std::thread closer([&] { box.close(); });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(box.take(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  closer.join();
}

}  // namespace
}  // namespace kelu::vision

// SPDX-License-Identifier: Apache-2.0
#pragma once
// What HQ's tests stand on: a real PostgreSQL (support/postgres.hpp), with HQ's schema migrated.
// pg_database_test: one server per suite and an empty database per test (nothing one test filed is
// seen by the next). pg_broker_test: a server and a mosquitto of its own per test, for tests of
// processes that talk to both.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "hq/db/hq_schema.hpp"
#include "hq/db/pg_connection.hpp"
#include "support/mosquitto.hpp"
#include "support/postgres.hpp"
#include "support/temp_dir.hpp"

namespace kelu::test {

class pg_database_test : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!postgres::bin_dir().empty()) server_ = std::make_unique<postgres>();
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << "PostgreSQL is not installed (scripts/setup installs postgresql)";
    conninfo_ = server_->fresh_database();
    auto c = hq::pg_connection::open(conninfo_, std::chrono::seconds(10));
    ASSERT_TRUE(c) << c.error_message();
    db_ = std::make_unique<hq::pg_connection>(std::move(c).value());
    const auto migrated = hq::migrate_hq_schema(*db_);
    ASSERT_TRUE(migrated) << migrated.error_message();
  }

  static inline std::unique_ptr<postgres> server_;
  std::string conninfo_;
  std::unique_ptr<hq::pg_connection> db_;
};

class pg_broker_test : public testing::Test {
 protected:
  void SetUp() override {
    if (postgres::bin_dir().empty()) GTEST_SKIP() << "PostgreSQL is not installed (scripts/setup)";
    if (!mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed";
    pg_ = std::make_unique<postgres>();
    broker_.start();
    auto c = hq::pg_connection::open(pg_->conninfo(), std::chrono::seconds(10));
    ASSERT_TRUE(c) << c.error_message();
    db_ = std::make_unique<hq::pg_connection>(std::move(c).value());
    const auto migrated = hq::migrate_hq_schema(*db_);
    ASSERT_TRUE(migrated) << migrated.error_message();
  }

  temp_dir dir_;
  std::unique_ptr<postgres> pg_;
  mosquitto broker_;
  std::unique_ptr<hq::pg_connection> db_;
};

}  // namespace kelu::test

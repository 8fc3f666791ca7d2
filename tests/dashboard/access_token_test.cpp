// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "dashboard/access_token.hpp"
#include "support/temp_dir.hpp"

namespace kelu::dashboard {
namespace {

TEST(access_token, a_key_is_made_once_kept_private_and_read_back) {
  test::temp_dir dir;
  const auto file = dir.file("dashboard.key");
  const auto key = load_or_create_key(file);
  ASSERT_TRUE(key) << key.error_message();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(key->id.size(), 4u);
  EXPECT_EQ(key->secret.size(), 32u);
  const auto again = load_or_create_key(file);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, key->id);
  EXPECT_EQ(again->secret, key->secret);
  EXPECT_EQ(make_token(*again, "acme", "sh-001"), make_token(*key, "acme", "sh-001"));
}

TEST(access_token, tokens_are_short_url_safe_and_bound_to_the_store) {
  test::temp_dir dir;
  const auto key = load_or_create_key(dir.file("k")).value();
  const auto t = make_token(key, "acme", "sh-001");
  EXPECT_EQ(t.size(), 27u);
  EXPECT_EQ(t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."), std::string::npos);
  EXPECT_EQ(check_token(key, "acme", "sh-001", t), token_verdict::ok);
  EXPECT_EQ(check_token(key, "acme", "sh-002", t), token_verdict::forged);
  EXPECT_EQ(check_token(key, "acme2", "sh-001", t), token_verdict::forged);
  EXPECT_EQ(check_token(key, "acme", "sh-001", ""), token_verdict::missing);
  EXPECT_EQ(check_token(key, "acme", "sh-001", t + "x"), token_verdict::malformed);
  EXPECT_EQ(check_token(key, "acme", "sh-001", "abcdefghijklmnopqrstuvwxyz1"), token_verdict::malformed);
}

TEST(access_token, rotating_the_key_revokes_every_earlier_code) {
  test::temp_dir dir;
  const auto file = dir.file("dashboard.key");
  const auto old_key = load_or_create_key(file).value();
  const auto old_token = make_token(old_key, "acme", "sh-001");
  const auto new_key = rotate_key(file).value();
  EXPECT_NE(new_key.secret, old_key.secret);
  EXPECT_EQ(load_or_create_key(file)->secret, new_key.secret);  // persisted
  if (new_key.id != old_key.id) {  // 1 in 2^20 they match: then it reads as forged, still refused
    EXPECT_EQ(check_token(new_key, "acme", "sh-001", old_token), token_verdict::revoked);
  }
  EXPECT_NE(check_token(new_key, "acme", "sh-001", old_token), token_verdict::ok);
  EXPECT_EQ(check_token(new_key, "acme", "sh-001", make_token(new_key, "acme", "sh-001")), token_verdict::ok);
}

TEST(access_token, a_damaged_key_file_is_refused_naming_the_file) {
  test::temp_dir dir;
  std::ofstream(dir.file("dashboard.key")) << "abcd 1234\n";
  const auto key = load_or_create_key(dir.file("dashboard.key"));
  ASSERT_FALSE(key);
  EXPECT_NE(key.error_message().find(dir.file("dashboard.key") + ": not a dashboard key"), std::string::npos)
      << key.error_message();
  const auto nowhere = load_or_create_key(dir.file("missing/dir/key"));
  ASSERT_FALSE(nowhere);
  EXPECT_NE(nowhere.error_message().find("cannot create"), std::string::npos) << nowhere.error_message();
}

}  // namespace
}  // namespace kelu::dashboard

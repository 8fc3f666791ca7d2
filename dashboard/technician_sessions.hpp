// SPDX-License-Identifier: Apache-2.0
#pragma once
// Signed-in technicians: a login with the configured password (password_hash.hpp) opens a
// session named by 32 random bytes, kept only in memory (a restart signs everyone out), good
// for `lifetime` from sign-in. At most `max_sessions`; a new one pushes out the oldest.
// Not thread-safe: the dashboard runs on the io_context thread.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kelu::dashboard {

class technician_sessions {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  technician_sessions(std::string password_hash, std::chrono::minutes lifetime = std::chrono::hours(8),
                      std::size_t max_sessions = 16);

  // False when no password is configured: the technician page is off.
  bool enabled() const { return !password_hash_.empty(); }
  // A new session id when `password` is right; nullopt otherwise.
  std::optional<std::string> sign_in(std::string_view password, time_point now);
  bool valid(std::string_view session, time_point now);
  void sign_out(std::string_view session);
  // A new password (config reload) signs everyone out.
  void set_password_hash(std::string password_hash);
  std::chrono::minutes lifetime() const { return lifetime_; }

 private:
  std::string password_hash_;
  std::chrono::minutes lifetime_;
  std::size_t max_sessions_;
  std::map<std::string, time_point, std::less<>> sessions_;  // id -> signed in at
};

}  // namespace kelu::dashboard

// SPDX-License-Identifier: Apache-2.0
#include "technician_sessions.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "core/hex.hpp"
#include "password_hash.hpp"

namespace kelu::dashboard {

technician_sessions::technician_sessions(std::string password_hash, std::chrono::minutes lifetime,
                                         std::size_t max_sessions)
    : password_hash_(std::move(password_hash)), lifetime_(lifetime), max_sessions_(max_sessions) {}

std::optional<std::string> technician_sessions::sign_in(std::string_view password, time_point now) {
  if (!enabled() || !verify_password(password_hash_, password)) return std::nullopt;
  std::erase_if(sessions_, [&](const auto& s) { return now - s.second >= lifetime_; });
  while (sessions_.size() >= max_sessions_) {
    sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; }));
  }
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  auto id = core::to_hex(bytes);
  sessions_.emplace(id, now);
  return id;
}

bool technician_sessions::valid(std::string_view session, time_point now) {
  // A map lookup is not constant-time, but the id is 256 random bits: timing cannot narrow it.
  const auto it = sessions_.find(session);
  if (it == sessions_.end()) return false;
  if (now - it->second >= lifetime_) {
    sessions_.erase(it);
    return false;
  }
  return true;
}

void technician_sessions::sign_out(std::string_view session) {
  if (const auto it = sessions_.find(session); it != sessions_.end()) sessions_.erase(it);
}

void technician_sessions::set_password_hash(std::string password_hash) {
  if (password_hash == password_hash_) return;
  password_hash_ = std::move(password_hash);
  sessions_.clear();
}

}  // namespace kelu::dashboard

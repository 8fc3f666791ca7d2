// SPDX-License-Identifier: Apache-2.0
#pragma once
// Fields of what a store published (its status, config/reported, day reports), read as HQ must read
// anything a box sends: a field missing or of another type is "" / 0, never an exception (nlohmann's
// value() throws on a type it did not expect, and a broken or compromised box can send any).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace kelu::hq {

inline std::string store_text(const nlohmann::json& published, const char* key) {
  const auto it = published.find(key);
  return it != published.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

inline std::int64_t store_integer(const nlohmann::json& published, const char* key) {
  const auto it = published.find(key);
  return it != published.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace kelu::hq

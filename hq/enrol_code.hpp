// SPDX-License-Identifier: Apache-2.0
#pragma once
// A one-time enrolment code as HQ hands it to a technician and the technician types it at the box:
// 12 characters of Crockford's base32 (60 random bits) in three groups, "K7QF-2M9X-TR4P". Slips
// that cannot change its meaning are forgiven: case, dashes and spaces anywhere, O for 0, I and L
// for 1. Only the code's SHA-256 is stored at HQ, so a copy of HQ's database enrols nothing.
// Pure, any thread.
#include <optional>
#include <string>
#include <string_view>

namespace kelu::hq {

// A fresh code from the operating system's random source (throws std::runtime_error when that
// fails, which it does not on Linux past early boot).
std::string new_enrol_code();

// The canonical form ("K7QF-2M9X-TR4P") of what was typed; nullopt when it cannot be a code
// (another length, a character base32 does not have).
std::optional<std::string> normalise_enrol_code(std::string_view typed);

// Lowercase hex SHA-256 of the canonical form: the key HQ stores.
std::string enrol_code_digest(std::string_view canonical);

}  // namespace kelu::hq

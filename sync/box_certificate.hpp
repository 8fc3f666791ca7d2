// SPDX-License-Identifier: Apache-2.0
#pragma once
// The box's MQTT client certificate (mqtt.tls.cert_file) as HQ's broker sees it: the store it
// names and until when it is valid. Under docs/hq.md's ACL the CN is "{tenant}/{store}" and is
// all the broker knows of the box, so a certificate naming another store makes the broker drop
// everything the box sends, silently under MQTT 3.1.1; and one that expired ends the box's link.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

namespace kelu::sync {

struct box_certificate {
  std::string common_name;
  core::utc_time not_before{};
  core::utc_time not_after{};
};

// Reads the first certificate of a PEM file. Errors name the file and what is wrong with it.
core::result<box_certificate> read_box_certificate(const std::string& pem_path);
// The same from PEM text; errors start with `origin`.
core::result<box_certificate> parse_box_certificate(std::string_view pem, const std::string& origin);

// What is wrong with `cert` for the box of tenant/store at `now`, or nothing: expired, not yet
// valid, expiring within `warn_before`, or naming another store ("{tenant}/{store}" CNs only: a
// CN without a '/' belongs to some other broker setup and is not judged).
std::optional<std::string> certificate_problem(const box_certificate& cert, const std::string& tenant,
                                               const std::string& store, core::utc_time now,
                                               std::chrono::hours warn_before = std::chrono::hours(24 * 30));

}  // namespace kelu::sync

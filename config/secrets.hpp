// SPDX-License-Identifier: Apache-2.0
#pragma once
// What of a configuration stays on the box when it is shown (the technician page, `kelu config
// show`): passwords, signing secrets, tokens and chat webhook URLs (their token is in the URL)
// become "***"; a camera's or a counter's URL keeps where the device is but not its password
// ("rtsp://user:***@10.0.0.9/stream"). Pure.
#include <nlohmann/json.hpp>

#include <string>

namespace kelu::config {

// `url` with the password of its user info masked; other URLs as they are.
std::string without_password(const std::string& url);

// A configuration document (the file's shape, or any part of it under `path`: "mqtt",
// "cameras[]") with every secret masked. Empty values stay empty: "not set" is not a secret.
nlohmann::json masked(nlohmann::json doc, const std::string& path = "");

// `edited`, a masked document someone changed, with every value still as masked(`current`) shows
// it put back to `current`'s, so a page that never saw a password does not overwrite it with
// "***". Objects match by key; array elements by their "id" (cameras, counters) or "name" (alert
// rules), else by position.
nlohmann::json unmasked(nlohmann::json edited, const nlohmann::json& current, const std::string& path = "");

}  // namespace kelu::config

// SPDX-License-Identifier: Apache-2.0
#pragma once
// The directory through which the agent (user kelu, a read-only system) and the updater (root,
// `kelu update apply`, started by kelu-update.path) hand a software update to each other
// (docs/fleet.md, "Software updates"). Beside the database: /var/lib/kelu/update/. One file per step,
// each replaced whole (written beside, fsynced, renamed):
//   request.json   agent -> updater   "install this version" (written inside the window)
//   applying.json  updater            the request taken, with the previous version and a nonce;
//                                     present while the new version is installed and judged
//   verdict.json   agent -> updater   the new version's health gate, for that nonce
//   result.json    updater -> agent   the outcome, for software/reported
//   last.json      agent              the last outcome reported (a rolled_back version is not retried)
// The directory belongs to the agent's user, so the updater trusts nothing in it: it reads no
// symlink, nothing but a small regular file, and creates its files anew (never through a name the
// agent could have planted), owned by the directory's owner.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace kelu {

// A field of one of these files, or `fallback` when it is absent or of another type: the files are
// read across a privilege boundary (and may be damaged), so nothing read from them may throw.
std::string text_of(const nlohmann::json& doc, const char* key, const std::string& fallback = {});
std::int64_t integer_of(const nlohmann::json& doc, const char* key, std::int64_t fallback);
double number_of(const nlohmann::json& doc, const char* key, double fallback);
bool flag_of(const nlohmann::json& doc, const char* key, bool fallback);

class update_dir {
 public:
  static constexpr const char* request = "request.json";
  static constexpr const char* applying = "applying.json";
  static constexpr const char* verdict = "verdict.json";
  static constexpr const char* result = "result.json";
  static constexpr const char* last = "last.json";

  explicit update_dir(std::filesystem::path dir) : dir_(std::move(dir)) {}
  // Where the agent keeps it: update/ beside its database.
  static update_dir beside(const std::filesystem::path& database);

  const std::filesystem::path& path() const { return dir_; }
  // Creates the directory (0750) if missing.
  core::status make() const;
  // The file's JSON object; nullopt when absent. Errors: a symlink, not a regular file, over
  // 64 KiB, not a JSON object (named with the file and byte offset).
  core::result<std::optional<nlohmann::json>> read(const std::string& name) const;
  bool exists(const std::string& name) const;
  // Replaces the file with `doc`, mode 0640, owned by the directory's owner when run as root.
  core::status write(const std::string& name, const nlohmann::json& doc) const;
  // Renames within the directory (the entry itself, never what it points to).
  core::status rename(const std::string& from, const std::string& to) const;
  void remove(const std::string& name) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace kelu

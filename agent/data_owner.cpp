// SPDX-License-Identifier: Apache-2.0
#include "data_owner.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kelu {

core::result<std::string> act_as_data_owner(const std::filesystem::path& database) {
  if (::geteuid() != 0) return std::string();
  auto dir = database.parent_path();
  struct stat st {};
  while (::stat(dir.c_str(), &st) != 0) {
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::string();
    dir = dir.parent_path();
  }
  if (st.st_uid == 0) return std::string();
  const auto* pw = ::getpwuid(st.st_uid);
  const std::string name = pw ? pw->pw_name : std::to_string(st.st_uid);
  const gid_t gid = pw ? pw->pw_gid : st.st_gid;
  // Supplementary groups first, while still allowed to change them.
  if ((pw ? ::initgroups(pw->pw_name, gid) : ::setgroups(0, nullptr)) != 0 || ::setgid(gid) != 0 ||
      ::setuid(st.st_uid) != 0)
    return core::error{"cannot act as " + name + ", the owner of " + dir.string() + ": " + std::strerror(errno)};
  return name;
}

}  // namespace kelu

// SPDX-License-Identifier: Apache-2.0
#include "update_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kelu {

namespace {

constexpr off_t max_file_bytes = 64 * 1024;

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::string text_of(const nlohmann::json& doc, const char* key, const std::string& fallback) {
  const auto it = doc.is_object() ? doc.find(key) : doc.end();
  return it != doc.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::int64_t integer_of(const nlohmann::json& doc, const char* key, std::int64_t fallback) {
  const auto it = doc.is_object() ? doc.find(key) : doc.end();
  return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

double number_of(const nlohmann::json& doc, const char* key, double fallback) {
  const auto it = doc.is_object() ? doc.find(key) : doc.end();
  return it != doc.end() && it->is_number() ? it->get<double>() : fallback;
}

bool flag_of(const nlohmann::json& doc, const char* key, bool fallback) {
  const auto it = doc.is_object() ? doc.find(key) : doc.end();
  return it != doc.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

update_dir update_dir::beside(const std::filesystem::path& database) {
  return update_dir{database.parent_path() / "update"};
}

core::status update_dir::make() const {
  if (::mkdir(dir_.c_str(), 0750) != 0 && errno != EEXIST)
    return core::error{dir_.string() + ": cannot create (" + errno_text() + ")"};
  return core::ok();
}

bool update_dir::exists(const std::string& name) const {
  struct stat st {};
  return ::lstat((dir_ / name).c_str(), &st) == 0;
}

core::result<std::optional<nlohmann::json>> update_dir::read(const std::string& name) const {
  const auto file = (dir_ / name).string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<nlohmann::json>{};
    return core::error{file + ": cannot open (" + (errno == ELOOP ? std::string("a symlink") : errno_text()) + ")"};
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > max_file_bytes) {
    ::close(fd);
    return core::error{file + ": not a regular file of at most 64 KiB"};
  }
  text.resize(static_cast<std::size_t>(st.st_size));
  const auto n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) return core::error{file + ": short read"};
  try {
    auto doc = nlohmann::json::parse(text);
    if (!doc.is_object()) return core::error{file + ": not a JSON object"};
    return std::optional<nlohmann::json>{std::move(doc)};
  } catch (const nlohmann::json::parse_error& e) {
    return core::error{file + ": not JSON at byte " + std::to_string(e.byte)};
  }
}

core::status update_dir::write(const std::string& name, const nlohmann::json& doc) const {
  const auto tmp = (dir_ / ("." + name + ".new")).string();
  const auto text = doc.dump(2) + "\n";
  ::unlink(tmp.c_str());  // whatever is there, even a symlink: only a file made here is written
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) return core::error{tmp + ": cannot create (" + errno_text() + ")"};
  bool ok = true;
  for (std::size_t done = 0; ok && done < text.size();) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  std::string problem = ok ? "" : errno_text();
  struct stat owner {};
  if (ok && ::geteuid() == 0 && ::stat(dir_.c_str(), &owner) == 0 && ::fchown(fd, owner.st_uid, owner.st_gid) != 0)
    problem = "cannot give it to the directory's owner (" + errno_text() + ")";
  if (problem.empty() && ::fsync(fd) != 0) problem = errno_text();
  ::close(fd);
  if (problem.empty() && ::rename(tmp.c_str(), (dir_ / name).c_str()) != 0) problem = errno_text();
  if (!problem.empty()) {
    ::unlink(tmp.c_str());
    return core::error{(dir_ / name).string() + ": cannot write (" + problem + ")"};
  }
  return core::ok();
}

core::status update_dir::rename(const std::string& from, const std::string& to) const {
  if (::rename((dir_ / from).c_str(), (dir_ / to).c_str()) != 0)
    return core::error{(dir_ / from).string() + ": cannot rename to " + to + " (" + errno_text() + ")"};
  return core::ok();
}

void update_dir::remove(const std::string& name) const { ::unlink((dir_ / name).c_str()); }

}  // namespace kelu

// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD into `kelu run` by tests/faults/power_cut_test.cpp: a disk that fails, or a power cut,
// at a chosen write. Only files under KELU_CUT_DIR are touched; everything else passes through.
//
//   KELU_CUT_DIR=/tmp/x/data   the data directory (required; without it the shim does nothing)
//   KELU_CUT_AT=N              the N-th write (N-th fsync for fsync-eio) under that directory
//   KELU_CUT_MODE=
//     power      the N-th write never happens; every write since each file's last fsync/fdatasync
//                is undone (the page cache lost with the power), then the process is SIGKILLed
//     torn       the same, but a pseudo-random half of those 512-byte sectors did reach the disk
//                (write-back in any order); sectors past a file's synced size left as zeros
//     eio        the N-th and every later write and fsync fail with EIO (a dying card); the
//                process goes on
//     fsync-eio  the N-th and every later fsync/fdatasync fail with EIO; writes still succeed
//   KELU_CUT_REPORT=FILE       one JSON line on a cut, and at exit, saying what was done
//
// Why an undo log rather than a buffer: the program must read back what it wrote (SQLite reads its
// WAL), so writes are applied at once and their old bytes kept until the file is synced. A file's
// directory entry is taken as durable once created (not dropped with the power): SQLite fsyncs
// the directory after creating its journal, and this models the gentler half of that case.
// Mutating calls are serialised by one lock, so a cut sees no write half-done by another thread.
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

enum class cut_mode { none, power, torn, eio, fsync_eio };

struct undo {
  dev_t dev;
  ino_t ino;
  std::string path;
  off_t offset;
  std::string old_bytes;  // what was there (shorter than the write where the write extended the file)
  off_t length;           // of the write
};

struct file_id {
  dev_t dev;
  ino_t ino;
  bool operator<(const file_id& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
};

struct shim_state {
  std::mutex lock;
  std::string dir;
  cut_mode mode = cut_mode::none;
  long long cut_at = 0;
  std::string report;
  long long writes = 0;
  long long syncs = 0;
  long long failed = 0;
  bool cut = false;
  std::vector<undo> unsynced;
  std::map<file_id, off_t> synced_size;  // size at the last sync, for files written since
};

shim_state& state() {
  static auto* s = [] {
    auto* st = new shim_state;  // never destroyed: writes may come during static destruction
    if (const char* d = std::getenv("KELU_CUT_DIR")) st->dir = d;
    if (const char* a = std::getenv("KELU_CUT_AT")) st->cut_at = std::atoll(a);
    if (const char* r = std::getenv("KELU_CUT_REPORT")) st->report = r;
    const std::string m = std::getenv("KELU_CUT_MODE") ? std::getenv("KELU_CUT_MODE") : "";
    st->mode = m == "power"       ? cut_mode::power
               : m == "torn"      ? cut_mode::torn
               : m == "eio"       ? cut_mode::eio
               : m == "fsync-eio" ? cut_mode::fsync_eio
                                  : cut_mode::none;
    if (st->dir.empty()) st->mode = cut_mode::none;
    return st;
  }();
  return *s;
}

template <typename F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

using pwrite_fn = ssize_t (*)(int, const void*, size_t, off_t);
using write_fn = ssize_t (*)(int, const void*, size_t);
using sync_fn = int (*)(int);
using pread_fn = ssize_t (*)(int, void*, size_t, off_t);

ssize_t real_pwrite(int fd, const void* buf, size_t n, off_t off) {
  static auto f = next<pwrite_fn>("pwrite64");
  return f(fd, buf, n, off);
}

// The file behind fd when it lies under the cut directory; empty otherwise.
std::string path_under_dir(const shim_state& s, int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const auto n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return {};
  const std::string path(target, static_cast<std::size_t>(n));
  if (path.compare(0, s.dir.size(), s.dir) != 0) return {};
  return path;
}

void write_report(shim_state& s, const char* event, long long reverted_bytes, long long kept_bytes) {
  if (s.report.empty()) return;
  const int fd = ::open(s.report.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  char line[512];
  const int len = std::snprintf(line, sizeof line,
                                "{\"event\":\"%s\",\"writes\":%lld,\"syncs\":%lld,\"failed\":%lld,"
                                "\"reverted_bytes\":%lld,\"kept_bytes\":%lld,\"pid\":%d}\n",
                                event, s.writes, s.syncs, s.failed, reverted_bytes, kept_bytes, ::getpid());
  if (len > 0) (void)real_pwrite(fd, line, static_cast<size_t>(len), ::lseek(fd, 0, SEEK_END));
  ::close(fd);
}

// Whether sector `k` of undo entry `i` reached the disk in a torn cut: fixed by the cut point,
// so a failing round is the same round when run again.
bool sector_kept(const shim_state& s, std::size_t i, off_t k) {
  std::uint64_t x = static_cast<std::uint64_t>(s.cut_at) * 0x9E3779B97F4A7C15ull ^ (i << 20) ^ static_cast<std::uint64_t>(k);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (x & 1) != 0;
}

// Puts back the old bytes of every unsynced write, newest first (all of them, or half the sectors
// for a torn cut), cuts files back to their synced size, and dies as a power cut does.
[[noreturn]] void lose_the_page_cache(shim_state& s) {
  long long reverted = 0, kept = 0;
  std::map<std::string, int> fds;
  for (std::size_t i = s.unsynced.size(); i-- > 0;) {
    const auto& u = s.unsynced[i];
    auto [it, fresh] = fds.emplace(u.path, -1);
    if (fresh) {
      it->second = ::open(u.path.c_str(), O_WRONLY);
      struct stat st {};
      if (it->second >= 0 && (::fstat(it->second, &st) != 0 || st.st_ino != u.ino)) {
        ::close(it->second);
        it->second = -1;  // deleted and made again since: nothing of ours to undo
      }
    }
    if (it->second < 0) continue;
    for (off_t k = 0; k * 512 < u.length; ++k) {
      const off_t from = k * 512, to = std::min<off_t>(from + 512, u.length);
      if (s.mode == cut_mode::torn && sector_kept(s, i, k)) {
        kept += to - from;
        continue;
      }
      std::string old(static_cast<std::size_t>(to - from), '\0');  // zeros past the old end
      if (from < static_cast<off_t>(u.old_bytes.size()))
        std::memcpy(old.data(), u.old_bytes.data() + from,
                    static_cast<std::size_t>(std::min<off_t>(to, static_cast<off_t>(u.old_bytes.size())) - from));
      (void)real_pwrite(it->second, old.data(), old.size(), u.offset + from);
      reverted += to - from;
    }
  }
  if (s.mode == cut_mode::power) {
    for (const auto& u : s.unsynced) {
      const auto fd = fds[u.path];
      const auto size = s.synced_size.find({u.dev, u.ino});
      if (fd >= 0 && size != s.synced_size.end()) (void)::ftruncate(fd, size->second);
    }
  }
  for (const auto& [path, fd] : fds)
    if (fd >= 0) ::close(fd);
  write_report(s, s.mode == cut_mode::torn ? "torn" : "power", reverted, kept);
  ::kill(::getpid(), SIGKILL);
  for (;;) ::pause();
}

// Keeps what `n` bytes at `offset` of fd overwrite, before they are written.
void remember(shim_state& s, int fd, const std::string& path, off_t offset, size_t n) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return;
  s.synced_size.emplace(file_id{st.st_dev, st.st_ino}, st.st_size);  // first write since the last sync
  undo u{st.st_dev, st.st_ino, path, offset, {}, static_cast<off_t>(n)};
  if (offset < st.st_size) {
    u.old_bytes.resize(static_cast<std::size_t>(std::min<off_t>(static_cast<off_t>(n), st.st_size - offset)));
    static auto real_pread = next<pread_fn>("pread64");
    const auto got = real_pread(fd, u.old_bytes.data(), u.old_bytes.size(), offset);
    u.old_bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  }
  s.unsynced.push_back(std::move(u));
}

// Decides the fate of a write of n bytes at offset to fd: -1 with errno set when it must fail,
// 1 when it goes ahead (old bytes remembered when a cut may undo it). Never returns on a cut.
int before_write(shim_state& s, int fd, off_t offset, size_t n) {
  if (s.mode == cut_mode::none) return 1;
  const auto path = path_under_dir(s, fd);
  if (path.empty()) return 1;
  ++s.writes;
  const bool reached = s.writes >= s.cut_at;
  switch (s.mode) {
    case cut_mode::power:
    case cut_mode::torn:
      if (reached) lose_the_page_cache(s);
      remember(s, fd, path, offset, n);
      return 1;
    case cut_mode::eio:
      if (!reached) return 1;
      ++s.failed;
      if (!s.cut) write_report(s, "eio", 0, 0);
      s.cut = true;
      errno = EIO;
      return -1;
    default:
      return 1;
  }
}

int on_sync(const char* name, int fd) {
  static auto real_fsync = next<sync_fn>("fsync");
  static auto real_fdatasync = next<sync_fn>("fdatasync");
  const auto call = [&] { return std::strcmp(name, "fsync") == 0 ? real_fsync(fd) : real_fdatasync(fd); };
  auto& s = state();
  if (s.mode == cut_mode::none) return call();
  std::lock_guard g(s.lock);
  if (path_under_dir(s, fd).empty()) return call();
  ++s.syncs;
  if ((s.mode == cut_mode::eio && s.cut) || (s.mode == cut_mode::fsync_eio && s.syncs >= s.cut_at)) {
    ++s.failed;
    if (!s.cut) write_report(s, "fsync-eio", 0, 0);
    s.cut = true;
    errno = EIO;
    return -1;
  }
  const int r = call();
  if (r == 0) {
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
      std::erase_if(s.unsynced, [&](const undo& u) { return u.dev == st.st_dev && u.ino == st.st_ino; });
      s.synced_size.erase({st.st_dev, st.st_ino});
    }
  }
  return r;
}

struct at_exit_report {
  ~at_exit_report() {
    auto& s = state();
    if (s.mode != cut_mode::none) write_report(s, "exit", 0, 0);
  }
} report_at_exit;

}  // namespace

extern "C" {

ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) {
  auto& s = state();
  std::lock_guard g(s.lock);
  if (before_write(s, fd, offset, n) < 0) return -1;
  return real_pwrite(fd, buf, n, offset);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) { return pwrite64(fd, buf, n, offset); }

ssize_t write(int fd, const void* buf, size_t n) {
  static auto real_write = next<write_fn>("write");
  auto& s = state();
  if (s.mode == cut_mode::none) return real_write(fd, buf, n);
  std::lock_guard g(s.lock);
  const off_t at = ::lseek(fd, 0, SEEK_CUR);
  if (before_write(s, fd, at < 0 ? 0 : at, n) < 0) return -1;
  return real_write(fd, buf, n);
}

int fsync(int fd) { return on_sync("fsync", fd); }
int fdatasync(int fd) { return on_sync("fdatasync", fd); }

}  // extern "C"

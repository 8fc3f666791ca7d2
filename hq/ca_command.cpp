#include "ca_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "agent/box_certificate.hpp"
#include "agent/core/files.hpp"

extern char** environ;

namespace kelu::hq {

namespace {

// A directory of its own for one signing, removed with everything in it.
class scratch_dir {
 public:
  scratch_dir() {
    auto pattern = (std::filesystem::temp_directory_path() / "kelu-sign-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string last_line(const std::filesystem::path& file) {
  auto text = core::read_file(file).value_or("");
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

// Waits for `pid` until `deadline`; kills it past that. The exit status, or -1 when killed.
int wait_until(pid_t pid, std::chrono::milliseconds deadline) {
  // pidfd_open by number: Debian 12's <sys/pidfd.h> declares it without C linkage.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  pollfd p{fd, POLLIN, 0};
  const bool exited = fd < 0 || ::poll(&p, 1, static_cast<int>(deadline.count())) == 1;
  if (!exited) ::kill(pid, SIGKILL);
  if (fd >= 0) ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!exited) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs `args` in `dir` (stdin and stdout /dev/null, stderr to a file there) until `deadline`.
core::status run(std::vector<std::string> args, const std::filesystem::path& dir, std::chrono::milliseconds deadline) {
  const auto log = dir / "stderr";
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return core::error{"cannot run " + args[0] + ": " + std::strerror(rc)};
  const int status = wait_until(pid, deadline);
  if (status == -1) return core::error{args[0] + " did not finish within " + std::to_string(deadline.count()) + " ms"};
  if (status != 0) return core::error{args[0] + " failed (exit " + std::to_string(status) + "): " + last_line(log)};
  return core::ok();
}

}  // namespace

csr_signer::csr_signer(std::vector<std::string> command, std::chrono::milliseconds deadline)
    : command_(std::move(command)), deadline_(deadline) {}

core::result<std::string> csr_signer::sign(const std::string& tenant, const std::string& store,
                                           const std::string& csr_pem) const {
  if (command_.empty()) return core::error{"no signing command"};
  scratch_dir dir;
  if (dir.path().empty()) return core::error{"cannot make a temporary directory to sign in"};
  const auto csr = dir.path() / "box.csr", out = dir.path() / "box.pem";
  if (auto st = core::write_file_atomically(csr, csr_pem, 0600); !st) return core::error{st.error_message()};
  auto args = command_;
  args.insert(args.end(), {tenant, store, csr.string(), out.string()});
  if (auto st = run(std::move(args), dir.path(), deadline_); !st) return core::error{st.error_message()};
  auto pem = core::read_file(out);
  if (!pem) return core::error{command_[0] + " wrote no certificate"};
  const auto cert = parse_box_certificate(*pem, command_[0] + "'s certificate");
  if (!cert) return core::error{cert.error_message()};
  if (cert->common_name != tenant + "/" + store)
    return core::error{command_[0] + " named the certificate \"" + cert->common_name + "\", not \"" + tenant + "/" +
                       store + "\""};
  return std::move(pem).value();
}

certificate_revoker::certificate_revoker(std::vector<std::string> command, std::chrono::milliseconds deadline)
    : command_(std::move(command)), deadline_(deadline) {}

core::status certificate_revoker::revoke(const std::string& certificate_pem) const {
  if (command_.empty()) return core::error{"no revoking command"};
  scratch_dir dir;
  if (dir.path().empty()) return core::error{"cannot make a temporary directory to revoke in"};
  const auto cert = dir.path() / "box.pem";
  if (auto st = core::write_file_atomically(cert, certificate_pem, 0600); !st) return st;
  auto args = command_;
  args.push_back(cert.string());
  return run(std::move(args), dir.path(), deadline_);
}

}  // namespace kelu::hq

// SPDX-License-Identifier: Apache-2.0
// Preloaded into a program kelu-syscall-jail runs with KELU_JAIL_REPORT=FILE: the jail turns each
// refused system call into a SIGSYS (SECCOMP_RET_TRAP); this handler appends the call's name to
// FILE and makes the call return EPERM, which is what the program gets under systemd. Without it a
// refusal would pass unseen: libraries often take EPERM as "not here" and go on.
// Built without the sanitizers, like the other preloaded shims.
#include <seccomp.h>
#include <fcntl.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int max_nr = 1024;
char names[max_nr][40];  // filled before any refusal can happen: the handler only reads
char report[4096];

void on_sigsys(int, siginfo_t* si, void* context) {
  const int saved = errno;
  const int nr = si->si_syscall;
  char line[64];
  const char* name = (nr >= 0 && nr < max_nr && names[nr][0] != '\0') ? names[nr] : "unknown";
  const std::size_t n = std::strlen(name);
  std::memcpy(line, name, n);
  line[n] = '\n';
  const int fd = ::open(report, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    [[maybe_unused]] const auto w = ::write(fd, line, n + 1);
    ::close(fd);
  }
  auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
  uc->uc_mcontext.regs[0] = static_cast<unsigned long long>(-EPERM);
#else
#error "the syscall jail's report knows x86-64 and aarch64 only"
#endif
  errno = saved;
}

__attribute__((constructor)) void install() {
  const char* file = std::getenv("KELU_JAIL_REPORT");
  if (file == nullptr || std::strlen(file) >= sizeof report) return;
  std::strcpy(report, file);
  for (int nr = 0; nr < max_nr; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (name == nullptr) continue;
    std::strncpy(names[nr], name, sizeof names[nr] - 1);
    std::free(name);
  }
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSYS, &sa, nullptr);
}

}  // namespace

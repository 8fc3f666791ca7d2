// SPDX-License-Identifier: Apache-2.0
// systemd's SystemCallFilter= and MemoryDenyWriteExecute= where no systemd runs (CI's
// containers, this machine): the seccomp filters systemd would load for packaging/kelu.service,
// built with libseccomp from the unit's own lists, then the command exec'd under them. The agent's
// tests run it this way (KELU_TEST_AGENT_JAIL, tests/support/process.hpp), so a system call the
// agent needs and the unit refuses fails a test here, not a camera on a store's box.
//
//   kelu-syscall-jail ALLOWED [--deny-write-execute] -- COMMAND ARGS...
//
// ALLOWED: system call names, one per line ('#' comments), as tests/packaging/unit_syscalls.sh
// expands them from the unit with `systemd-analyze syscall-filter`. Names this architecture does
// not have are skipped. Every other call fails with EPERM (the unit's SystemCallErrorNumber=).
// --deny-write-execute adds systemd's MemoryDenyWriteExecute= filter: mmap with PROT_WRITE and
// PROT_EXEC together, mprotect/pkey_mprotect adding PROT_EXEC, shmat with SHM_EXEC: EPERM.
// Like systemd, the two are separate filters; the kernel applies the stricter answer.
//
// With KELU_JAIL_REPORT=FILE a refusal is also written there, one "name" per line, by the
// preloaded syscall_jail_report library (it turns the refusal into a SIGSYS it can see, logs, and
// returns EPERM, so the program sees what it would under systemd).
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "kelu-syscall-jail: %s\n", what.c_str());
  return 125;
}

// The allow-list filter: ALLOWED's calls pass, the rest answer `refusal`.
bool load_allow_list(const std::vector<std::string>& names, std::uint32_t refusal, std::string& why) {
  scmp_filter_ctx ctx = seccomp_init(refusal);
  if (ctx == nullptr) return why = "seccomp_init failed", false;
  int known = 0;
  for (const auto& n : names) {
    const int nr = seccomp_syscall_resolve_name(n.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0) {
      seccomp_release(ctx);
      return why = "cannot allow " + n, false;
    }
    ++known;
  }
  const int rc = known == 0 ? -EINVAL : seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) why = known == 0 ? "no known system call in the list" : std::string("seccomp_load: ") + std::strerror(-rc);
  return rc == 0;
}

// MemoryDenyWriteExecute=, as systemd's seccomp_memory_deny_write_execute() builds it.
bool load_deny_write_execute(std::uint32_t refusal, std::string& why) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return why = "seccomp_init failed", false;
  const auto wx = static_cast<scmp_datum_t>(PROT_WRITE | PROT_EXEC);
  const auto x = static_cast<scmp_datum_t>(PROT_EXEC);
  int rc = seccomp_rule_add(ctx, refusal, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, wx, wx));
  if (rc == 0) rc = seccomp_rule_add(ctx, refusal, SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, x, x));
  if (rc == 0) rc = seccomp_rule_add(ctx, refusal, SCMP_SYS(pkey_mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, x, x));
  if (rc == 0)
    rc = seccomp_rule_add(ctx, refusal, SCMP_SYS(shmat), 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, static_cast<scmp_datum_t>(SHM_EXEC),
                                  static_cast<scmp_datum_t>(SHM_EXEC)));
  if (rc == 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) why = std::string("write-execute filter: ") + std::strerror(-rc);
  return rc == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return fail("usage: kelu-syscall-jail ALLOWED [--deny-write-execute] -- COMMAND ARGS...");
  bool deny_wx = false;
  int i = 2;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    if (std::strcmp(argv[i], "--deny-write-execute") == 0)
      deny_wx = true;
    else
      return fail(std::string("unknown option ") + argv[i]);
  }
  if (i + 1 >= argc) return fail("no command after --");
  std::ifstream in(argv[1]);
  if (!in) return fail(std::string(argv[1]) + ": cannot read");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  // A report asked for: refusals become SIGSYS, which the preloaded reporter logs and answers EPERM.
  const bool report = std::getenv("KELU_JAIL_REPORT") != nullptr;
  const std::uint32_t refusal = report ? SCMP_ACT_TRAP : SCMP_ACT_ERRNO(EPERM);
  std::string why;
  // The write-execute filter first: loading a filter is itself a call the allow-list refuses.
  if (deny_wx && !load_deny_write_execute(refusal, why)) return fail(why);
  if (!load_allow_list(names, refusal, why)) return fail(argv[1] + std::string(": ") + why);
  ::execv(argv[i + 1], argv + i + 1);
  return fail(std::string(argv[i + 1]) + ": " + std::strerror(errno));
}

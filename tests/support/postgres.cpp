// SPDX-License-Identifier: Apache-2.0
#include "postgres.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "process.hpp"

namespace kelu::test {

namespace {

std::string run_capture(const std::string& command, int& status) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) {
    status = -1;
    return "popen failed";
  }
  char buf[4096];
  while (const auto n = std::fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
  status = pclose(pipe.release());
  return out;
}

std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Gone, or a zombie nobody reaps yet (the postmaster is not our child: pg_ctl detached it).
bool exited(int pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren == std::string::npos || (paren + 2 < line.size() && line[paren + 2] == 'Z');
}

}  // namespace

std::string postgres::bin_dir() {
  std::string best;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto bin = entry.path() / "bin";
    if (std::filesystem::exists(bin / "pg_ctl") && std::filesystem::exists(bin / "initdb") &&
        bin.string() > best)
      best = bin.string();
  }
  return best;
}

std::string postgres::as_owner(const std::string& command) const {
  if (geteuid() != 0) return command;
  return "runuser -u postgres -- sh -c " + shell_quoted(command);
}

postgres::postgres() {
  const auto bin = bin_dir();
  if (bin.empty()) {
    ADD_FAILURE() << "PostgreSQL is not installed (scripts/setup installs postgresql)";
    return;
  }
  data_ = dir_.file("data");
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (!pw) {
      ADD_FAILURE() << "running as root and there is no postgres user to own the cluster";
      return;
    }
    if (chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) ADD_FAILURE() << "chown: " << errno;
  }
  int status = 0;
  // initdb once per machine and PostgreSQL version, into a template every later cluster is copied
  // from: initdb took 2.5 s of CPU, the copy 0.2 s, and some fifty tests start a cluster. Made
  // under a name of its own and renamed into place, so a half-made template is never copied;
  // of two test processes making it at once, the second's rename fails and it uses the first's.
  const auto tmp = std::filesystem::temp_directory_path();
  const auto template_dir = tmp / ("kelu-pg-template-" + std::filesystem::path(bin).parent_path().filename().string() +
                                   "-" + std::to_string(geteuid()));
  if (!std::filesystem::exists(template_dir / "PG_VERSION")) {
    const auto making = tmp / (template_dir.filename().string() + "." + std::to_string(getpid()));
    std::filesystem::create_directories(making);
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (chown(making.c_str(), pw->pw_uid, pw->pw_gid) != 0) ADD_FAILURE() << "chown: " << errno;
    }
    const auto init = run_capture(as_owner(bin + "/initdb -D " + shell_quoted(making.string()) +
                                           " -U postgres --auth=trust --encoding=UTF8 --no-sync -N"), status);
    if (status != 0) {
      ADD_FAILURE() << "initdb failed: " << init;
      return;
    }
    std::error_code ec;
    std::filesystem::rename(making, template_dir, ec);
    if (ec) std::filesystem::remove_all(making, ec);  // another process's template is in place
  }
  const auto copy = run_capture(as_owner("cp -a " + shell_quoted(template_dir.string()) + " " + shell_quoted(data_)),
                                status);
  if (status != 0) {
    ADD_FAILURE() << "copying the initdb template " << template_dir << " failed: " << copy;
    return;
  }
  port_ = free_port();
  // Sockets in the cluster's own directory, fsync off: a test's data need not survive a power cut.
  const std::string options = "-p " + std::to_string(port_) + " -k " + data_ +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off";
  const auto start = run_capture(as_owner(bin + "/pg_ctl -D " + shell_quoted(data_) + " -l " + shell_quoted(data_ + "/log") +
                                          " -w -t 60 -o " + shell_quoted(options) + " start"), status);
  if (status != 0) {
    std::ifstream log(data_ + "/log");
    ADD_FAILURE() << "pg_ctl start failed: " << start << "\n" << log.rdbuf();
    return;
  }
  std::ifstream pidfile(data_ + "/postmaster.pid");
  pidfile >> pid_;
  if (pid_ <= 0) ADD_FAILURE() << "no postmaster.pid after pg_ctl start";
}

postgres::~postgres() { stop(); }

void postgres::stop() {
  if (pid_ <= 0) return;
  // SIGINT: fast shutdown (open transactions roll back); then wait for the PID to go.
  ::kill(pid_, SIGINT);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!exited(pid_) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!exited(pid_)) {
    ADD_FAILURE() << "postgres " << pid_ << " did not stop within 60 s: killed";
    ::kill(pid_, SIGKILL);
  }
  pid_ = -1;
}

std::string postgres::conninfo() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=postgres";
}

std::string postgres::fresh_database() {
  const auto name = "t_" + std::to_string(++databases_);
  psql("DROP DATABASE IF EXISTS " + name);
  psql("CREATE DATABASE " + name);
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + name + " user=postgres";
}

std::string postgres::psql(const std::string& sql) const {
  int status = 0;
  const auto out = run_capture("psql -X -q -A -t -v ON_ERROR_STOP=1 " + shell_quoted(conninfo()) + " -c " + shell_quoted(sql),
                               status);
  EXPECT_EQ(status, 0) << sql << ": " << out;
  return out;
}

}  // namespace kelu::test

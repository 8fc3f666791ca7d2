// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <random>
#include <thread>

#include "mosquitto.hpp"
#include "mqtt_collector.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace kelu::test {

namespace fs = std::filesystem;

temp_dir::temp_dir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("kelu-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

// The commands a systemd unit runs: `kelu run` (packaging/kelu.service), `kelu hq enroll-server`
// (packaging/hq/kelu-enroll.service) and `kelu-hq sink` (packaging/kelu-hq/kelu-hq-sink@.service).
// A technician's `kelu doctor` or `kelu enroll` runs from a shell, outside any unit's filter, as
// does `kelu simulate`.
bool run_by_a_unit(const std::vector<std::string>& argv) {
  if (argv.size() < 2) return false;
  const auto program = fs::path(argv[0]).filename();
  if (program == "kelu-hq") return argv[1] == "sink";
  if (program != "kelu") return false;
  return argv[1] == "run" || (argv[1] == "hq" && argv.size() > 2 && argv[2] == "enroll-server");
}

// KELU_TEST_AGENT_JAIL set (the jailed runs, tests/packaging/jailed_run.sh): what a unit runs runs
// under the unit's system call filter, with the refusal reporter preloaded ahead of the test's own.
void jail_the_agent(std::vector<std::string>& argv, std::vector<std::string>& env) {
  const char* jail = std::getenv("KELU_TEST_AGENT_JAIL");
  if (jail == nullptr || !run_by_a_unit(argv)) return;
  std::vector<std::string> words;
  std::istringstream in(jail);
  for (std::string w; in >> w;) words.push_back(w);
  words.emplace_back("--");
  argv.insert(argv.begin(), words.begin(), words.end());
  const char* reporter = std::getenv("KELU_TEST_AGENT_JAIL_PRELOAD");
  if (reporter == nullptr) return;
  auto preload = std::find_if(env.begin(), env.end(), [](const std::string& v) { return v.starts_with("LD_PRELOAD="); });
  if (preload == env.end())
    env.push_back(std::string("LD_PRELOAD=") + reporter);
  else
    preload->insert(std::string("LD_PRELOAD=").size(), std::string(reporter) + ":");
}

}  // namespace

process::process(std::vector<std::string> argv, const std::string& log_file, const std::vector<std::string>& env_in) {
  std::vector<std::string> env = env_in;
  jail_the_agent(argv, env);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> merged = env;
  for (char** e = environ; *e; ++e) {
    const std::string_view var(*e);
    const auto name = var.substr(0, var.find('=') + 1);
    if (std::none_of(env.begin(), env.end(), [&](const std::string& v) { return v.starts_with(name); }))
      merged.emplace_back(var);
  }
  std::vector<char*> envp;
  for (auto& v : merged) envp.push_back(v.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
  }
}

process::~process() {
  if (running()) stop(SIGKILL, std::chrono::seconds(5));
}

bool process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return r == 0;
}

int process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

int process::stop(int signo, std::chrono::milliseconds timeout) {
  if (!running()) return status_;
  ::kill(pid_, signo);
  return wait(timeout);
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    // A connect to an unused loopback port can land on itself when the kernel picks that very
    // port as the source (TCP simultaneous open): connected, yet nobody listens.
    sockaddr_in local{};
    socklen_t len = sizeof local;
    if (ok && ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 && local.sin_port == addr.sin_port)
      ok = false;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A port handed out stays reserved to this process, machine-wide, until the process ends: a
// broker a test stops and starts again needs its port back, and while it was down another test
// process was once given it (two RabbitMQ tests on one port; the first's agent then shared a
// client id with the second's on one broker, and each kicked the other off every second). A file
// per port names its owner's PID, under a lock; a dead owner's reservation is taken over. Where
// the directory cannot be written (a jailed run under another user), ports go unreserved.
bool reserve_port(std::uint16_t port) {
  const auto dir = fs::temp_directory_path() / "kelu-test-ports";
  std::error_code ec;
  if (fs::create_directory(dir, ec)) fs::permissions(dir, fs::perms::all | fs::perms::sticky_bit, ec);
  const int lock = ::open((dir / ".lock").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) return true;
  ::flock(lock, LOCK_EX);
  const auto file = dir / std::to_string(port);
  pid_t owner = 0;
  bool mine = true;
  if (std::ifstream in(file); in >> owner && owner > 0)
    mine = owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH;  // its owner is gone
  if (mine) {
    std::ofstream out(file, std::ios::trunc);
    out << ::getpid() << "\n";
    mine = out.good() || !fs::exists(file);
  }
  ::close(lock);  // releases the lock
  return mine;
}

std::uint16_t free_port() {
  // Below the kernel's range for outgoing connections' source ports (ip_local_port_range,
  // 32768..60999 by default), so no client socket can take the port between this choice and
  // the server binding it, nor connect to itself on it while the server starts.
  int low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
  const int top = std::max(low - 1, 10001);
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(10000, top);
  for (;;) {
    const auto port = static_cast<std::uint16_t>(pick(rng));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);  // free on every address, as servers bind
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free && reserve_port(port)) return port;
  }
}

namespace {
const char* mosquitto_binary() {
  for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto"})
    if (::access(p, X_OK) == 0) return p;
  return nullptr;
}
}  // namespace

bool mosquitto::available() { return mosquitto_binary() != nullptr; }

mosquitto::mosquitto() : port_(free_port()) { write_config(nullptr); }

mosquitto::mosquitto(const broker_tls& tls) : tls_(true), port_(free_port()) { write_config(&tls); }

void mosquitto::write_config(const broker_tls* tls) {
  std::ofstream conf(dir_.file("mosquitto.conf"));
  conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       // Started as root, mosquitto would switch to its own user and could not write here.
       << "user " << (::geteuid() == 0 ? "root" : "mosquitto") << "\n"
       << "persistence true\n"
       << "persistence_location " << dir_.path().string() << "/\n"
       << "max_queued_messages 0\n"  // unlimited: the test counts every message
       << "log_dest file " << dir_.file("mosquitto.log") << "\n";
  if (tls)
    conf << "cafile " << tls->ca_file << "\ncertfile " << tls->cert_file << "\nkeyfile " << tls->key_file << "\n"
         << "require_certificate " << (tls->require_client_certificate ? "true" : "false") << "\n";
  if (tls && tls->identity_as_username) conf << "use_identity_as_username true\n";
  if (tls && !tls->acl_file.empty()) conf << "acl_file " << tls->acl_file << "\n";
  if (tls && !tls->crl_file.empty()) conf << "crlfile " << tls->crl_file << "\n";
}

void mosquitto::also_listen_on(const std::string& address) {
  std::ofstream(dir_.file("mosquitto.conf"), std::ios::app) << "listener " << port_ << " " << address << "\n";
}

mosquitto::~mosquitto() {
  if (proc_) proc_->stop(SIGKILL, std::chrono::seconds(5));
}

void mosquitto::start() {
  proc_ = std::make_unique<process>(std::vector<std::string>{mosquitto_binary(), "-c", dir_.file("mosquitto.conf")},
                                    dir_.file("mosquitto.out"));
  ASSERT_TRUE(wait_for_port(port_, std::chrono::seconds(10))) << "mosquitto did not start on port " << port_;
}

void mosquitto::stop() {
  if (!proc_) return;
  EXPECT_NE(proc_->stop(SIGTERM, std::chrono::seconds(10)), -1) << "mosquitto did not stop";
  proc_.reset();
}

struct mqtt_collector::impl : mqtt::callback {
  impl(const std::string& uri, const std::string& id, std::string f)
      : client(uri, id, mqtt::create_options(MQTTVERSION_3_1_1), nullptr), filter(std::move(f)) {
    opts.set_clean_session(false);
    opts.set_keep_alive_interval(5);
    opts.set_automatic_reconnect(std::chrono::milliseconds(100), std::chrono::seconds(1));
    client.set_callback(*this);
    client.connect(opts)->wait_for(std::chrono::seconds(10));
    client.subscribe(filter, 1)->wait_for(std::chrono::seconds(10));
  }
  void connected(const std::string&) override {
    try {
      client.subscribe(filter, 1);
    } catch (const mqtt::exception&) {
    }
  }
  void message_arrived(mqtt::const_message_ptr m) override {
    std::lock_guard lock(mutex);
    got.push_back({m->get_topic(), m->to_string(), m->is_retained()});
  }

  mqtt::async_client client;
  mqtt::connect_options opts;
  std::string filter;
  mutable std::mutex mutex;
  std::vector<received> got;
};

mqtt_collector::mqtt_collector(const std::string& uri, const std::string& client_id, const std::string& filter)
    : impl_(std::make_unique<impl>(uri, client_id, filter)) {}

mqtt_collector::~mqtt_collector() {
  try {
    impl_->client.disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
}

std::vector<received> mqtt_collector::messages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->got;
}

std::size_t mqtt_collector::count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->got.size();
}

bool mqtt_collector::wait_until(const std::function<bool(const std::vector<received>&)>& pred,
                                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred(messages())) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace kelu::test

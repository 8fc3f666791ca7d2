// SPDX-License-Identifier: Apache-2.0
#include "enroll_command.hpp"

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <ostream>
#include <thread>

#include "agent/boot_config.hpp"
#include "sync/box_certificate.hpp"
#include "agent/certificate_request.hpp"
#include "agent/control_socket.hpp"
#include "core/files.hpp"
#include "dashboard/access_token.hpp"
#include "net/http_post.hpp"
#include "agent/dashboard_files.hpp"
#include "config/settings_edit.hpp"
#include "sync/database.hpp"
#include "kelu/version.hpp"

namespace kelu::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct box_files {
  fs::path key, pending_key, cert, ca;
};

box_files files_beside(const fs::path& database) {
  const auto dir = database.parent_path();
  return {dir / "box.key", dir / "box.key.pending", dir / "box.crt", dir / "hq-ca.pem"};
}

// The pending key and its request: the one kept from an earlier try, or a new one.
core::result<key_and_request> pending_key(const box_files& f) {
  if (const auto kept = core::read_file(f.pending_key)) {
    auto csr = request_for_key(*kept, "kelu-enrol");
    if (!csr) return core::error{f.pending_key.string() + ": " + csr.error_message()};
    return key_and_request{*kept, std::move(csr).value()};
  }
  auto made = make_key_and_request("kelu-enrol");
  if (!made) return made;
  if (auto st = core::write_file_atomically(f.pending_key, made->key_pem, 0600); !st) return core::error{st.error_message()};
  return made;
}

core::result<net::http_answer> ask_hq(const enroll_options& o, const std::string& body) {
  net::http_url url;
  if (!net::split_url(o.hq_url, url) || !url.tls)
    return core::error{"--hq " + o.hq_url + ": expected https://HOST[:PORT]"};
  url.target = "/v1/enroll";
  boost::asio::io_context io;
  boost::asio::ssl::context tls{boost::asio::ssl::context::tls_client};
  boost::system::error_code ec;
  if (o.hq_ca.empty())
    tls.set_default_verify_paths(ec);
  else
    tls.load_verify_file(o.hq_ca, ec);
  if (ec) return core::error{"--hq-ca " + o.hq_ca + ": " + ec.message()};
  tls.set_verify_mode(boost::asio::ssl::verify_peer);
  core::result<net::http_answer> result = core::error{"no answer"};
  boost::asio::co_spawn(io, net::http_post(io.get_executor(), tls, url, body, std::chrono::seconds(o.timeout_s)),
                        [&](std::exception_ptr ep, net::http_answer a) {
                          if (!ep) {
                            result = std::move(a);
                            return;
                          }
                          try {
                            std::rethrow_exception(ep);
                          } catch (const std::exception& e) {
                            result = core::error{o.hq_url + ": " + e.what()};
                          }
                        });
  io.run();
  return result;
}

// What HQ sent, checked against the key: the certificate's store is the one the box becomes.
core::status check_grant(const json& g, const std::string& key_pem) {
  for (const char* k : {"tenant", "store", "certificate", "ca"})
    if (!g.contains(k) || !g[k].is_string() || g[k].get<std::string>().empty())
      return core::error{std::string("HQ's answer lacks \"") + k + "\""};
  if (!g.contains("settings") || !g["settings"].is_object()) return core::error{"HQ's answer lacks \"settings\""};
  const auto pem = g["certificate"].get<std::string>();
  const auto cert = sync::parse_box_certificate(pem, "HQ's certificate");
  if (!cert) return core::error{cert.error_message()};
  const auto identity = g["tenant"].get<std::string>() + "/" + g["store"].get<std::string>();
  if (cert->common_name != identity)
    return core::error{"HQ's certificate names \"" + cert->common_name + "\", its answer " + identity};
  if (!certificate_matches_key(pem, key_pem)) return core::error{"HQ's certificate is not for this box's key"};
  if (g["ca"].get<std::string>().find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return core::error{"HQ's answer: \"ca\" holds no PEM certificate"};
  return core::ok();
}

// The technician's settings that make this box the store HQ named.
json settings_edit_for(const json& g, const box_files& f) {
  json set = g["settings"];
  set["store.tenant"] = g["tenant"];
  set["store.id"] = g["store"];
  set["mqtt.tls.ca_file"] = f.ca.string();
  set["mqtt.tls.cert_file"] = f.cert.string();
  set["mqtt.tls.key_file"] = f.key.string();
  return {{"set", set}};
}

// Installs the identity: certificate and CA first, the key last (a rerun with the same code
// repairs a cut between them), then a fresh dashboard key.
core::status install_identity(const json& g, const key_and_request& k, const box_files& f, const config::config& cfg) {
  if (auto st = core::write_file_atomically(f.cert, g["certificate"].get<std::string>(), 0644); !st) return st;
  if (auto st = core::write_file_atomically(f.ca, g["ca"].get<std::string>(), 0644); !st) return st;
  if (auto st = core::write_file_atomically(f.key, k.key_pem, 0600); !st) return st;
  std::error_code ec;
  fs::remove(f.pending_key, ec);
  if (auto key = dashboard::rotate_key(dashboard_key_path(cfg)); !key) return core::error{key.error_message()};
  return core::ok();
}

// The settings as the technician's (technician.json), which the agent reads as it starts: a change
// of store is not made to a running agent, whose database and links are the old store's.
core::status keep_settings(const config::settings_edit& edit, const config::config& file_cfg) {
  const auto path = technician_settings_path(file_cfg);
  auto layer = json::parse(core::read_file(path).value_or("{}"), nullptr, false);
  if (!layer.is_object()) layer = json::object();
  return core::write_file_atomically(path, config::apply_settings_edit(layer, edit, json::object()).dump(2) + "\n",
                                     0600);
}

// True when the store's database holds a store event: a sale, a crossing, a count; the agent's own
// health reports are not the store's data (read-only; a running agent may hold it open).
bool holds_events(const std::string& database) {
  sqlite3* db = nullptr;
  bool any = false;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    try {
      sync::statement s(db, "SELECT EXISTS (SELECT 1 FROM events WHERE source <> 'agent')");
      any = s.step() && s.column_int(0) == 1;
    } catch (const std::exception&) {  // no events table: not a store database yet
    }
  }
  sqlite3_close(db);
  return any;
}

// Polls the agent started again (a boot other than `old_boot`) until it runs as `identity` and
// HQ's broker took its certificate, so the technician leaves a box known to deliver; or says what
// stands in the way.
int wait_until_connected(const fs::path& socket, const std::string& identity, const std::string& old_boot,
                         std::chrono::seconds timeout, std::ostream& out, std::ostream& err) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto status = ask_agent(socket, {{"cmd", "status"}}, std::chrono::seconds(5))) {
      last = *status;
      const bool restarted = last.value("boot_id", "") != old_boot;
      if (restarted && last.value("store", "") == identity && last.contains("broker") &&
          last["broker"].value("connected", false)) {
        out << "running as " << identity << ", connected to " << last["broker"].value("uri", "HQ's broker") << "\n";
        return 0;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  err << "enrolled, but the agent is not connected to HQ's broker as " << identity << " after " << timeout.count()
      << " s";
  if (last.contains("broker")) err << ": " << last["broker"].value("last_error", "") << " (" << last["broker"].value("uri", "") << ")";
  if (last.value("mode", "") == "minimal") err << ": its configuration does not load (kelu status)";
  err << "\n";
  return 1;
}

// A box that counted for one store is not turned into another with that store's data. One that
// never counted (the package's sample store) is.
core::status same_store_or_empty(const core::result<boot_config>& boot, const json& g) {
  if (!boot) return core::ok();
  const auto& s = boot->value.store;
  if (s.tenant == g["tenant"].get<std::string>() && s.id == g["store"].get<std::string>()) return core::ok();
  const auto& database = boot->value.storage.path;
  if (!holds_events(database)) return core::ok();
  return core::error{"this box holds the data of " + s.tenant + "/" + s.id + " (" + database +
                     "); enrolling it as " + g["tenant"].get<std::string>() + "/" + g["store"].get<std::string>() +
                     " would send that data as the new store's. Move the database aside (or let HQ replay it first), "
                     "then run the same command again: the code holds until it expires"};
}

}  // namespace

int run_enroll(const std::string& config_path, const core::result<boot_config>& boot, const enroll_options& o,
               std::ostream& out, std::ostream& err) {
  const auto file_cfg = boot ? boot->value : read_broken_config(config_path).salvaged;
  const auto files = files_beside(file_cfg.storage.path);
  const auto key = pending_key(files);
  if (!key) {
    err << key.error_message() << "\n";
    return 2;
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const json request{{"code", o.code}, {"csr", key->csr_pem}, {"box", {{"version", kelu::version}, {"host", host}}}};
  const auto answer = ask_hq(o, request.dump());
  if (!answer) {
    err << answer.error_message() << "\n";
    return 1;
  }
  const auto body = json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    err << "HQ refused (" << answer->status << " " << (body.is_object() ? body.value("error", "") : "") << "): "
        << (body.is_object() ? body.value("message", answer->body) : answer->body) << "\n";
    return 1;
  }
  if (auto st = check_grant(body, key->key_pem); !st) {
    err << st.error_message() << "\n";
    return 1;
  }
  if (auto st = same_store_or_empty(boot, body); !st) {
    err << st.error_message() << "\n";
    return 1;
  }
  config::settings_edit edit;
  if (auto why = config::read_settings_edit(settings_edit_for(body, files), edit)) {
    err << "HQ's settings: " << *why << " (HQ sends a key this version " << kelu::version << " does not know)\n";
    return 1;
  }
  if (auto st = install_identity(body, *key, files, file_cfg); !st) {
    err << st.error_message() << "\n";
    return 2;
  }
  const auto identity = body["tenant"].get<std::string>() + "/" + body["store"].get<std::string>();
  out << "enrolled as " << identity << ": " << files.cert.string() << ", " << files.key.string() << "\n"
      << "the dashboard has a new key: QR codes printed before no longer open it (kelu qr --svg sign.svg prints "
         "the new one)\n";
  if (auto st = keep_settings(edit, file_cfg); !st) {
    err << technician_settings_path(file_cfg).string() << ": " << st.error_message() << "\n";
    return 2;
  }
  const auto socket = control_socket::path_for(file_cfg.storage.path);
  const auto before = ask_agent(socket, {{"cmd", "status"}}, std::chrono::seconds(5));
  const auto old_boot = before ? before->value("boot_id", "") : std::string{};
  if (auto restarted = ask_agent(socket, {{"cmd", "restart"}}, std::chrono::seconds(10)); !restarted) {
    out << "no agent answered (" << restarted.error_message() << "): it runs as " << identity
        << " once started (sudo systemctl enable --now kelu)\n";
    return 0;
  }
  return wait_until_connected(socket, identity, old_boot, std::chrono::seconds(o.connect_timeout_s), out, err);
}

}  // namespace kelu::cli

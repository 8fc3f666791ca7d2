// SPDX-License-Identifier: Apache-2.0
#include "enrol_commands.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <ostream>
#include <regex>

#include "core/files.hpp"
#include "net/http_server.hpp"
#include "net/tls_identity.hpp"
#include "config/settings_edit.hpp"
#include "ca_command.hpp"
#include "enrol_service.hpp"

namespace kelu::hq {

namespace {

using nlohmann::json;

// A settings file: key paths the box's key table knows. Empty path: no settings.
bool read_settings(const std::string& path, json& out, std::ostream& err) {
  out = json::object();
  if (path.empty()) return true;
  const auto text = core::read_file(path);
  if (!text) {
    err << path << ": cannot read\n";
    return false;
  }
  const auto doc = json::parse(*text, nullptr, false, /*ignore_comments=*/true);
  if (!doc.is_object()) {
    err << path << ": expected a JSON object of key paths ({\"mqtt.uri\": \"ssl://hq:8883\"})\n";
    return false;
  }
  config::settings_edit edit;
  if (auto why = config::read_settings_edit({{"set", doc}}, edit)) {
    err << path << ": " << *why << "\n";
    return false;
  }
  out = doc;
  return true;
}

// Names become MQTT topic levels and the certificate's CN, as scripts/hq-ca checks them.
bool valid_name(const std::string& what, const std::string& name, std::ostream& err) {
  static const std::regex allowed{"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"};
  if (std::regex_match(name, allowed)) return true;
  err << what << " \"" << name << "\": letters, digits, '.', '_' and '-' only (1-64)\n";
  return false;
}

int list_codes(enrol_codes& codes, const enrol_code_options& o, std::ostream& out, std::ostream& err) {
  const auto rows = codes.list(o.tenant);
  if (!rows) {
    err << rows.error_message() << "\n";
    return 2;
  }
  for (const auto& r : *rows) {
    out << r.tenant << "/" << r.store << "  issued " << core::format_iso8601(r.issued_at) << "  ";
    if (r.used)
      out << "used " << core::format_iso8601(r.used_at) << " by " << r.used_by << "\n";
    else
      out << "unused, expires " << core::format_iso8601(r.expires_at) << "\n";
  }
  return 0;
}

}  // namespace

int run_enrol_code(const enrol_code_options& o, std::ostream& out, std::ostream& err) {
  auto codes = enrol_codes::open(o.codes);
  if (!codes) {
    err << codes.error_message() << "\n";
    return 2;
  }
  if (o.list) return list_codes(**codes, o, out, err);
  if (!valid_name("tenant", o.tenant, err) || !valid_name("store", o.store, err)) return 2;
  if (o.valid_hours < 1 || o.valid_hours > 24 * 30) {
    err << "--valid-hours " << o.valid_hours << ": 1 to 720\n";
    return 2;
  }
  enrol_grant grant{o.tenant, o.store, json::object()};
  if (!read_settings(o.settings, grant.settings, err)) return 2;
  core::system_clock clock;
  const auto issued = (*codes)->issue(grant, std::chrono::hours(o.valid_hours), clock.now_utc());
  if (!issued) {
    err << issued.error_message() << "\n";
    return 2;
  }
  out << "code " << issued->code << " for " << o.tenant << "/" << o.store << ", one use, valid until "
      << core::format_iso8601(issued->expires_at) << "\n"
      << "at the box: sudo kelu enroll " << issued->code;
  if (!o.hq_url.empty()) out << " --hq " << o.hq_url;
  out << "\n";
  return 0;
}

int run_enrol_server(const enrol_server_options& o, std::ostream& out, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);
  auto log = std::make_shared<spdlog::logger>("kelu-enrol", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  log->flush_on(spdlog::level::info);
  auto codes = enrol_codes::open(o.codes);
  if (!codes) {
    err << codes.error_message() << "\n";
    return 2;
  }
  enrol_service_options so;
  if (!read_settings(o.settings, so.estate_settings, err)) return 2;
  const auto ca = core::read_file(o.ca);
  if (!ca || ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    err << "--ca " << o.ca << ": no PEM certificate in it\n";
    return 2;
  }
  so.ca_pem = *ca;
  auto tls = net::load_server_context({o.cert, o.key});
  if (!tls) {
    err << tls.error_message() << "\n";
    return 2;
  }
  core::system_clock clock;
  csr_signer signer{o.sign, std::chrono::seconds(o.sign_timeout_s)};
  certificate_revoker revoker{o.revoke, std::chrono::seconds(o.sign_timeout_s)};
  if (!o.revoke.empty()) so.revoke = [&revoker](const std::string& pem) { return revoker.revoke(pem); };
  enrol_service service{**codes,
                        [&signer](const std::string& t, const std::string& s, const std::string& csr) {
                          return signer.sign(t, s, csr);
                        },
                        clock, std::move(so), log};
  boost::asio::io_context io;
  net::http_server_options ho;
  ho.name = "enrolment";
  ho.listen = o.listen;
  ho.port = static_cast<std::uint16_t>(o.port);
  ho.max_connections = 32;
  ho.tls = *tls;
  net::http_server server{io.get_executor(), ho,
                          [&](const net::request& req, const net::client_info& client) {
                            return net::routed{service.handle(req, client)};
                          },
                          log};
  if (auto st = server.start(); !st) {
    err << st.error_message() << "\n";
    return 2;
  }
  boost::asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code&, int) { server.stop(); });
  out << "listening on https://" << o.listen << ":" << server.port() << std::endl;
  io.run();
  const auto& s = service.stats();
  log->info("stopped: {} enrolled, {} repeated, {} refused, {} rate-limited, {} bad requests, {} signing failures, "
            "{} earlier certificates revoked, {} not",
            s.enrolled, s.repeated, s.refused, s.rate_limited, s.bad_requests, s.signing_failures, s.revoked,
            s.revoke_failures);
  return 0;
}

}  // namespace kelu::hq

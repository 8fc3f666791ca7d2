// SPDX-License-Identifier: Apache-2.0
// `kelu-hq config push`: a staged configuration push (hq/push/config_push.hpp; docs/hq.md).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands.hpp"
#include "hq/db/hq_schema.hpp"
#include "hq/push/config_push.hpp"

namespace kelu::hq::cli {

namespace {

struct push_settings {
  push_request request;
  transport_tls tls;
  std::string config_file, patch_file, mqtt_uri, username, password, database, client_id = "kelu-hq-config-push";
  double canary_pct = 10;
  int soak_s = 60, deadline_s = 900, timeout_s = 10;
};

int fail(const std::string& why) {
  std::cerr << "kelu-hq config push: " << why << "\n";
  return 1;
}

int run_push(push_settings& s) {
  auto& r = s.request;
  const auto& file = s.config_file.empty() ? s.patch_file : s.config_file;
  std::ifstream in(file);
  if (!in) return fail(file + ": cannot be read");
  r.document = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (r.document.is_discarded() || !r.document.is_object()) return fail(file + ": not a JSON object");
  r.patch = s.config_file.empty();
  r.canary_share = s.canary_pct / 100.0;
  r.canary_min = s.canary_pct > 0 ? 1 : 0;
  r.soak = std::chrono::seconds(s.soak_s);
  r.deadline = std::chrono::seconds(s.deadline_s);
  auto db = pg_connection::open(s.database, std::chrono::seconds(s.timeout_s));
  if (!db) return fail(db.error_message());
  if (auto st = migrate_hq_schema(*db); !st) return fail(st.error_message());
  consumer_options co;
  co.uri = s.mqtt_uri;
  co.tls = s.tls;
  co.session = connect_packet{s.client_id, s.username, s.password, 30, true};
  co.filters = push_filters(r.tenant);
  co.timeout = std::chrono::seconds(s.timeout_s);
  auto mqtt = mqtt_consumer::connect(co);
  if (!mqtt) return fail(mqtt.error_message());
  auto log = spdlog::stderr_color_mt("kelu-hq");
  auto result = run_config_push(*db, *mqtt, r, *log);
  mqtt->close();
  if (!result) return fail(result.error_message());
  std::cout << push_table(*result);
  return result->all_applied() ? 0 : 1;
}

}  // namespace

command add_config(CLI::App& app) {
  auto s = std::make_shared<push_settings>();
  auto* config = app.add_subcommand("config", "HQ's desired configuration for stores");
  auto* c = config->add_subcommand("push", "Push a desired configuration to stores, a canary share first");
  c->add_option("--mqtt", s->mqtt_uri, "The broker, tcp://host:port or ssl://host:port")->required();
  add_broker_tls(*c, s->tls);
  c->add_option("--db", s->database, "libpq connection string or postgresql:// URI")->required();
  c->add_option("--tenant", s->request.tenant, "The tenant")->required();
  auto* region = c->add_option("--region", s->request.region, "The stores of a region (as of today)");
  auto* tag = c->add_option("--tag", s->request.tag, "The stores with a tag");
  auto* list = c->add_option("--stores", s->request.stores, "These stores")->delimiter(',');
  region->excludes(tag, list);
  tag->excludes(list);
  auto* whole = c->add_option("--config", s->config_file, "A JSON file: the keys HQ sets, in the file's shape");
  auto* patch = c->add_option("--patch", s->patch_file, "A JSON file: an RFC 7386 merge patch of each store's document");
  whole->excludes(patch);
  c->add_option("--canary", s->canary_pct, "Percent of the stores that get it first (default 10; 0: all at once)")
      ->check(CLI::Range(0.0, 100.0));
  c->add_option("--soak", s->soak_s, "Seconds the canaries must stay applied and online (default 60)")
      ->check(CLI::Range(0, 86400));
  c->add_option("--deadline", s->deadline_s, "Seconds a store may take to answer (default 900)")
      ->check(CLI::Range(1, 86400));
  c->add_option("--client-id", s->client_id, "The MQTT client id");
  c->add_option("--username", s->username, "The broker's user name");
  c->add_option("--password", s->password, "The broker's password (or KELU_HQ_MQTT_PASSWORD)")
      ->envname("KELU_HQ_MQTT_PASSWORD");
  config->require_subcommand(1);
  return [c, s]() -> int {
    if (!c->parsed()) return -1;
    if (s->request.region.empty() && s->request.tag.empty() && s->request.stores.empty())
      return fail("say which stores: --region, --tag or --stores");
    if (s->config_file.empty() == s->patch_file.empty()) return fail("give --config or --patch");
    return run_push(*s);
  };
}

}  // namespace kelu::hq::cli

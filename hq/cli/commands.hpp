// SPDX-License-Identifier: Apache-2.0
#pragma once
// The subcommands of `kelu-hq`: each adds its options to the app and returns what runs it once
// parsed (the exit code). main.cpp only dispatches.
#include <CLI/CLI.hpp>

#include <functional>

#include "hq/sink/mqtt_transport.hpp"

namespace kelu::hq::cli {

using command = std::function<int()>;

// --ca, --cert, --key for an ssl:// broker (or KELU_HQ_MQTT_CA, _CERT, _KEY), on any command
// that talks to the broker.
inline void add_broker_tls(CLI::App& app, transport_tls& tls) {
  app.add_option("--ca", tls.ca_file,
                 "For ssl://: the CA file (PEM) the broker's certificate must chain to (or KELU_HQ_MQTT_CA)")
      ->envname("KELU_HQ_MQTT_CA");
  auto* cert = app.add_option("--cert", tls.cert_file, "For ssl://: a client certificate, PEM (or KELU_HQ_MQTT_CERT)")
                   ->envname("KELU_HQ_MQTT_CERT");
  auto* key = app.add_option("--key", tls.key_file, "For ssl://: its private key, PEM (or KELU_HQ_MQTT_KEY)")
                  ->envname("KELU_HQ_MQTT_KEY");
  cert->needs(key);
  key->needs(cert);
}

command add_sink(CLI::App& app);
command add_import(CLI::App& app);
command add_report(CLI::App& app);
command add_config(CLI::App& app);

}  // namespace kelu::hq::cli

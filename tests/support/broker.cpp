// SPDX-License-Identifier: Apache-2.0
#include "broker.hpp"

#include "mosquitto.hpp"
#include "rabbitmq.hpp"

namespace kelu::test {

std::vector<std::string> broker_kinds() { return {"mosquitto", "rabbitmq"}; }

std::unique_ptr<broker> make_broker(const std::string& kind, const broker_tls* tls, std::string* why) {
  if (kind == "mosquitto") {
    if (mosquitto::available()) return tls ? std::make_unique<mosquitto>(*tls) : std::make_unique<mosquitto>();
    *why = "mosquitto is not installed (scripts/setup installs it)";
    return nullptr;
  }
  if (kind == "rabbitmq") {
    if (rabbitmq::available()) return std::make_unique<rabbitmq>(tls);
    *why = "rabbitmq-server is not installed (scripts/setup installs it)";
    return nullptr;
  }
  *why = "no broker called " + kind;
  return nullptr;
}

}  // namespace kelu::test

// SPDX-License-Identifier: Apache-2.0
#pragma once
// Stands in for HQ: subscribes and keeps every message received, from Paho's thread.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mqtt {
class async_client;
}

namespace kelu::test {

struct received {
  std::string topic;
  std::string payload;
  bool retained = false;
};

class mqtt_collector {
 public:
  // A persistent session (clean_session=false) with QoS 1, resubscribing on reconnect,
  // so messages the broker accepted while we were away still arrive.
  mqtt_collector(const std::string& uri, const std::string& client_id, const std::string& filter);
  ~mqtt_collector();

  std::vector<received> messages() const;
  std::size_t count() const;
  // Polls `pred` over the messages until it holds or `timeout` passes.
  bool wait_until(const std::function<bool(const std::vector<received>&)>& pred, std::chrono::milliseconds timeout);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kelu::test

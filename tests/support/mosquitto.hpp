#pragma once
// A real mosquitto broker on a free loopback port, started and stopped by the fixture.
#include <cstdint>
#include <memory>
#include <string>

#include "process.hpp"
#include "temp_dir.hpp"

namespace kelu::test {

class mosquitto {
 public:
  static bool available();  // the binary is installed
  mosquitto();              // picks the port; does not start
  ~mosquitto();

  void start();  // asserts it is accepting connections within 10 s
  // SIGTERM: mosquitto writes its persistence file, so persistent sessions survive a restart.
  void stop();
  std::uint16_t port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  temp_dir dir_;
  std::uint16_t port_;
  std::unique_ptr<process> proc_;
};

}  // namespace kelu::test

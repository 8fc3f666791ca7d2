// SPDX-License-Identifier: Apache-2.0
// HQ's enrolment endpoint faces the internet: any body a stranger POSTs is parsed (JSON, the code,
// the certificate request through OpenSSL) and refused with a status the endpoint documents,
// never granted without a code HQ issued, and never crashes. The code normaliser, which reads
// what a technician typed, must give the canonical form or nothing.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <unistd.h>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "hq/enrol_code.hpp"
#include "hq/enrol_service.hpp"

namespace {

namespace http = boost::beast::http;

struct fixture {
  fixture() {
    path = (std::filesystem::temp_directory_path() / ("kelu-fuzz-enrol-" + std::to_string(::getpid()) + ".db")).string();
    std::filesystem::remove(path);
    codes = kelu::hq::enrol_codes::open(path).value();
    service = std::make_unique<kelu::hq::enrol_service>(
        *codes,
        [](const std::string&, const std::string&, const std::string&) -> kelu::core::result<std::string> {
          std::abort();  // no code exists: never asked
        },
        clock, kelu::hq::enrol_service_options{},
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>()));
  }
  ~fixture() { std::filesystem::remove(path); }
  std::string path;
  kelu::core::system_clock clock;
  std::unique_ptr<kelu::hq::enrol_codes> codes;
  std::unique_ptr<kelu::hq::enrol_service> service;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fixture f;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto code = kelu::hq::normalise_enrol_code(text)) {
    if (code->size() != 14 || (*code)[4] != '-' || (*code)[9] != '-' || kelu::hq::normalise_enrol_code(*code) != code)
      std::abort();
  }
  http::request<http::string_body> req{http::verb::post, "/v1/enroll", 11};
  req.body() = std::string(text);
  // A fresh address each time, so the rate limit does not hide the parsing behind 429s.
  static std::uint64_t n = 0;
  const auto res = f.service->handle(req, {"198.51.100." + std::to_string(++n), std::chrono::steady_clock::now(), true});
  const auto status = res.result();
  if (status != http::status::bad_request && status != http::status::forbidden) std::abort();
  return 0;
}

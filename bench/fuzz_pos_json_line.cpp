// Any bytes a till sends must yield a transaction or an error value: never a crash, a hang,
// undefined behaviour, or money that does not add up.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "drivers/pos_json_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  static const auto zone = kelu::core::time_zone::load("America/New_York").value();  // DST gaps and overlaps
  const auto r = kelu::drivers::parse_pos_json_line(line, "CNY", zone);
  if (r) {
    std::visit(
        [](const auto& rec) {
          if (rec.terminal.empty() || rec.transaction_id.empty()) std::abort();
          if constexpr (requires { rec.currency; })
            if (rec.currency.size() != 3) std::abort();
          // Kept extensions must be a JSON object the event encoder can embed.
          if (!rec.extra.empty() && rec.extra.front() != '{') std::abort();
        },
        r->record);
  } else if (r.error_message().empty()) {
    std::abort();
  }
  return 0;
}

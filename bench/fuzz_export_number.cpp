// SPDX-License-Identifier: Apache-2.0
// Any bytes as a number cell of a back-office export: a value or an error naming the text,
// never a crash; and a value read back from its plain decimal form is the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/money.hpp"
#include "drivers/export_number.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char separator : {'.', ','}) {
    const auto v = kelu::drivers::parse_export_number(text, 2, separator);
    if (!v) {
      if (v.error_message().empty()) std::abort();
      continue;
    }
    const auto again = kelu::drivers::parse_export_number(kelu::core::format_minor(*v, "CNY"), 2, '.');
    if (!again || *again != *v) std::abort();
  }
  return 0;
}

// Any bytes given as an Excel export: rows and records that hold together, or one error; never
// a crash, a hang, an allocation past the member limit, or undefined behaviour.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/xlsx_reader.hpp"
#include "fuzz_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const auto zone = kelu::core::time_zone::load("Asia/Shanghai").value();
  auto rows = kelu::drivers::read_xlsx(bytes, "%Y-%m-%d %H:%M:%S");
  if (!rows) {
    if (rows.error_message().empty()) std::abort();
    return 0;
  }
  kelu::drivers::csv_mapping m;
  m.transaction_column = "单号";
  m.time_column = "时间";
  m.item_column = "商品编码";
  m.quantity_column = "数量";
  m.unit_price_column = "单价";
  m.amount_column = "金额";
  m.total_column = "实收";
  m.payment_column = "支付方式";
  m.return_flag_column = "退货";
  auto r = kelu::drivers::parse_table(std::move(*rows), m, "CNY", zone);
  if (r) kelu::bench::check_records(*r, zone);
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
#pragma once
// The mapping of config/presets/csv/zh-lines.json (a Chinese back office's sales detail), for
// the fuzz targets and the benchmark, which take no config file.
#include "drivers/csv_parser.hpp"

namespace kelu::bench {

inline drivers::csv_mapping zh_lines_mapping() {
  drivers::csv_mapping m;
  m.transaction_column = "单号";
  m.time_column = "时间";
  m.operator_column = "收银员";
  m.salesperson_column = "导购";
  m.item_column = "商品编码";
  m.description_column = "商品名称";
  m.quantity_column = "数量";
  m.unit_price_column = "单价";
  m.amount_column = "金额";
  m.total_column = "实收";
  m.payment_column = "支付方式";
  m.return_flag_column = "退货";
  return m;
}

}  // namespace kelu::bench

// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a batch parser makes of one file: the records it could read, and one error per
// record it could not, so a single bad transaction never costs the rest of the file.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pos_record.hpp"

namespace kelu::drivers {

struct file_records {
  std::vector<parsed_record> records;
  std::vector<std::string> errors;  // each names where: "line 12", "Transaction[3] ... element: reason"
  std::int64_t ignored = 0;         // records of kinds Kelu does not use (e.g. a till's no-sale), by design
  std::vector<std::string> ignored_kinds;  // distinct kinds ignored, for the summary
  // Parts of records read around rather than refused, by what was done about them:
  // "Tender with an empty or absent Amount: tender skipped" -> 3. The record itself is kept.
  std::map<std::string, std::int64_t> warnings;
};

}  // namespace kelu::drivers

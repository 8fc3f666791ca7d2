// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a batch of POS records amounts to, for `kelu ingest` (and its --dry-run, the
// technician's mapping check) and the golden tests of the real sample files: counts by kind,
// revenue per currency, who and which tills, how each total was obtained, whether tenders
// match totals, what was read around, what was rejected and why.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/event.hpp"

namespace kelu::cli {

class ingest_summary {
 public:
  // A dry run's text says records were read, not stored.
  explicit ingest_summary(bool dry_run = false) : dry_run_(dry_run) {}

  void add(const core::event& e, bool duplicate);
  void add_rejected(const std::string& file, const std::string& why);
  void add_ignored(const std::vector<std::string>& kinds);
  void add_warnings(const std::map<std::string, std::int64_t>& warnings);
  void add_file() { ++files_; }

  std::int64_t new_events() const { return new_; }
  std::int64_t rejected() const { return static_cast<std::int64_t>(rejected_.size()); }
  nlohmann::json to_json() const;
  std::string to_text() const;

 private:
  struct money {
    std::int64_t sales = 0;    // totals of sales
    std::int64_t returns = 0;  // totals of returns (negative)
    std::int64_t tax = 0;
  };
  // Transactions with tenders whose sum (change included) equals the total, and the first
  // few that do not: a mapping that reads the wrong amount shows here first.
  struct tender_check {
    std::int64_t matched = 0, mismatched = 0, without_tenders = 0;
    std::vector<std::string> examples;
  };
  void check_tenders(const core::pos_transaction& t);

  bool dry_run_ = false;
  std::int64_t files_ = 0, new_ = 0, duplicates_ = 0;
  std::int64_t sales_ = 0, returns_ = 0, voids_ = 0, suspended_ = 0, training_ = 0;
  std::int64_t sign_ons_ = 0, sign_offs_ = 0, items_ = 0;
  std::map<std::string, money> revenue_;  // by currency
  std::set<std::string> operators_, salespeople_, workstations_, business_days_;
  std::map<std::string, std::int64_t> total_from_;  // "as given", "net_plus_tax", "tenders", "lines"
  tender_check tenders_;
  std::vector<std::pair<std::string, std::string>> rejected_;  // file, reason
  std::map<std::string, std::int64_t> ignored_, warnings_;
};

}  // namespace kelu::cli

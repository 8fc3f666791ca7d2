// SPDX-License-Identifier: Apache-2.0
#pragma once
// Which raw events a figure came from, as (source, first seq, last seq) runs: "click an
// aggregate, see the data behind it". Compact because seqs are gap-free per source.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kelu::analytics {

struct seq_range {
  std::string source;
  std::int64_t first = 0;
  std::int64_t last = 0;
  bool operator==(const seq_range&) const = default;
};

class seq_ranges {
 public:
  void add(const std::string& source, std::int64_t seq) { add(source, seq, seq); }
  void add(const std::string& source, std::int64_t first, std::int64_t last);
  void add(const seq_ranges& other);
  // Sorted by source then seq, adjacent seqs merged.
  std::vector<seq_range> ranges() const;
  std::int64_t count() const;
  bool contains(const std::string& source, std::int64_t seq) const;
  bool operator==(const seq_ranges&) const = default;

 private:
  std::map<std::string, std::map<std::int64_t, std::int64_t>> runs_;  // source -> first -> last
};

}  // namespace kelu::analytics

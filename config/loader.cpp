// SPDX-License-Identifier: Apache-2.0
#include "loader.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "csv_preset.hpp"
#include "key_def.hpp"
#include "key_locator.hpp"

namespace kelu::config {

using nlohmann::json;

std::string load_error::to_string() const {
  std::string out = origin;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

class loader {
 public:
  loader(std::string_view text, std::string origin) : text_(text), origin_(std::move(origin)) {
    for (const auto& k : detail::key_table()) {
      by_path_.emplace(k.info.path, &k);
      for (auto dot = k.info.path.find('.'); dot != std::string::npos; dot = k.info.path.find('.', dot + 1))
        sections_.insert(k.info.path.substr(0, dot));
    }
  }

  load_result run() {
    load_result out{defaults(), {}};
    json root;
    try {
      root = json::parse(text_, nullptr, true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
      const auto [line, col] = detail::line_column(text_, e.byte > 0 ? e.byte - 1 : 0);
      std::string what = e.what();
      if (const auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
      out.errors.push_back({origin_, line, "", "column " + std::to_string(col) + ": " + what});
      return out;
    } catch (const json::exception& e) {
      // out_of_range: a number too large for a double ("2e308").
      out.errors.push_back({origin_, 0, "", e.what()});
      return out;
    }
    if (!root.is_object()) {
      out.errors.push_back({origin_, 1, "", "the configuration must be a JSON object"});
      return out;
    }
    lines_ = detail::locate_keys(text_);
    // Before the walk, so the preset's keys are checked like the file's own.
    if (auto problem = apply_csv_preset(root, KELU_PRESET_DIR "/csv"))
      out.errors.push_back({origin_, line_of("sources.csv.preset"), "sources.csv.preset", *problem});
    std::set<std::string> seen;
    walk(root, "", out, seen);
    for (const auto& k : detail::key_table())
      if (k.required && !seen.count(k.info.path))
        out.errors.push_back({origin_, 0, k.info.path, "required key is missing (" + k.info.description + ")"});
    if (out.errors.empty())
      for (const auto& e : detail::cross_check(out.value))
        out.errors.push_back({origin_, line_of(e.key_path), e.key_path, e.message});
    // In file order, as an editor would walk them; keys with no line (missing ones) last.
    std::stable_sort(out.errors.begin(), out.errors.end(), [](const load_error& a, const load_error& b) {
      return (a.line == 0 ? INT32_MAX : a.line) < (b.line == 0 ? INT32_MAX : b.line);
    });
    return out;
  }

 private:
  void walk(const json& obj, const std::string& prefix, load_result& out, std::set<std::string>& seen) {
    for (const auto& [name, value] : obj.items()) {
      const auto path = prefix.empty() ? name : prefix + "." + name;
      if (const auto it = by_path_.find(path); it != by_path_.end()) {
        seen.insert(path);
        if (auto problem = it->second->set(out.value, value)) {
          // Array keys name the element inside: "[1].lines[0].to: expected ..." → key path
          // "cameras[1].lines[0].to".
          std::string where = path;
          std::string what = *problem;
          if (what.rfind(": ", 0) == 0) {
            what = what.substr(2);
          } else if (what.rfind('[', 0) == 0) {
            const auto colon = what.find(": ");
            where += what.substr(0, colon);
            what = colon == std::string::npos ? "invalid" : what.substr(colon + 2);
          }
          out.errors.push_back({origin_, line_of(path), where, what});
        }
      } else if (sections_.count(path)) {
        if (value.is_object())
          walk(value, path, out, seen);
        else
          out.errors.push_back({origin_, line_of(path), path, "expected an object (a section), got " + value.dump()});
      } else {
        out.errors.push_back({origin_, line_of(path), path, "unknown key" + suggestion(path)});
      }
    }
  }

  std::string suggestion(const std::string& path) const {
    std::string best;
    std::size_t best_d = 3;
    for (const auto& [known, def] : by_path_) {
      const auto d = edit_distance(path, known);
      if (d < best_d) {
        best_d = d;
        best = known;
      }
    }
    return best.empty() ? "" : " (did you mean \"" + best + "\"?)";
  }

  int line_of(const std::string& path) const {
    const auto it = lines_.find(path);
    return it == lines_.end() ? 0 : it->second;
  }

  std::string_view text_;
  std::string origin_;
  std::map<std::string, const detail::key_def*> by_path_;
  std::set<std::string> sections_;
  std::map<std::string, int> lines_;
};

}  // namespace

load_result load_text(std::string_view text, std::string origin) { return loader{text, std::move(origin)}.run(); }

load_result load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    load_result out{defaults(), {}};
    out.errors.push_back({path, 0, "", "cannot open the file"});
    return out;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_text(ss.str(), path);
}

}  // namespace kelu::config

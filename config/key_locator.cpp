// SPDX-License-Identifier: Apache-2.0
#include "key_locator.hpp"

namespace kelu::config::detail {

namespace {

class scanner {
 public:
  explicit scanner(std::string_view t) : t_(t) {}

  void value(const std::string& path) {
    skip();
    if (pos_ >= t_.size()) return;
    const char c = t_[pos_];
    if (c == '{') {
      object(path);
    } else if (c == '[') {
      array(path);
    } else if (c == '"') {
      (void)string();
    } else {
      while (pos_ < t_.size() && std::string_view(",}] \t\r\n/").find(t_[pos_]) == std::string_view::npos) advance();
    }
  }

  std::map<std::string, int> found;
  bool failed = false;

 private:
  void object(const std::string& path) {
    advance();  // {
    for (;;) {
      skip();
      if (pos_ >= t_.size()) return fail();
      if (t_[pos_] == '}') return advance();
      if (t_[pos_] != '"') return fail();
      const int key_line = line_;
      const auto key = string();
      const auto child = path.empty() ? key : path + "." + key;
      found.emplace(child, key_line);
      skip();
      if (pos_ >= t_.size() || t_[pos_] != ':') return fail();
      advance();
      value(child);
      if (failed) return;
      skip();
      if (pos_ < t_.size() && t_[pos_] == ',') advance();
    }
  }

  void array(const std::string& path) {
    advance();  // [
    for (int index = 0;; ++index) {
      skip();
      if (pos_ >= t_.size()) return fail();
      if (t_[pos_] == ']') return advance();
      value(path + "." + std::to_string(index));
      if (failed) return;
      skip();
      if (pos_ < t_.size() && t_[pos_] == ',') advance();
    }
  }

  std::string string() {
    advance();  // opening quote
    std::string out;
    while (pos_ < t_.size() && t_[pos_] != '"') {
      if (t_[pos_] == '\\' && pos_ + 1 < t_.size()) advance();
      out += t_[pos_];
      advance();
    }
    if (pos_ < t_.size()) advance();
    return out;
  }

  void skip() {
    while (pos_ < t_.size()) {
      const char c = t_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (t_.substr(pos_, 2) == "//") {
        while (pos_ < t_.size() && t_[pos_] != '\n') advance();
      } else if (t_.substr(pos_, 2) == "/*") {
        advance();
        advance();
        while (pos_ < t_.size() && t_.substr(pos_, 2) != "*/") advance();
        if (pos_ < t_.size()) {
          advance();
          advance();
        }
      } else {
        return;
      }
    }
  }

  void advance() {
    if (t_[pos_] == '\n') ++line_;
    ++pos_;
  }
  void fail() { failed = true; }

  std::string_view t_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::map<std::string, int> locate_keys(std::string_view text) {
  scanner s{text};
  s.value("");
  return std::move(s.found);
}

std::pair<int, int> line_column(std::string_view text, std::size_t offset) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace kelu::config::detail

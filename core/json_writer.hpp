// SPDX-License-Identifier: Apache-2.0
#pragma once
// JSON text written straight into a string, for the one hot path where building a DOM first cost
// more than the rest of the work: encoding every POS event at ingest (core::encode; a DOM per event
// was ~30 % of ingest's instructions, docs/BENCHMARKS.md). It writes what it is told, in that order,
// and formats as nlohmann's dump() does (strings escaped the same way, integers in decimal), so a
// caller that writes each object's keys in sorted order, as nlohmann's std::map keeps them, gets
// the DOM's text byte for byte (tests/core: checked against it).
//
// A string that is not valid UTF-8 (core/utf8.hpp) is not written: the writer only notes it (ok() turns false)
// and the caller encodes through the DOM instead, whose replacement of bad bytes stays the one
// rule. Commas are the writer's business; nesting is the caller's.
#include <cstdint>
#include <string>
#include <string_view>

namespace kelu::core {

class json_writer {
 public:
  explicit json_writer(std::size_t reserve = 512) { out_.reserve(reserve); }

  void begin_object() { open('{'); }
  void end_object() { out_ += '}'; }
  void begin_array() { open('['); }
  void end_array() { out_ += ']'; }
  // An object member's name: plain ASCII without anything to escape (the callers' literals).
  void key(std::string_view name);
  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(std::int64_t number);
  template <class T>
  void member(std::string_view name, const T& v) {
    key(name);
    value(v);
  }

  // False once a string was not valid UTF-8; the text is then incomplete.
  bool ok() const { return ok_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();  // a comma unless this is the first thing in its object or array, or a member's value
  void open(char bracket) {
    separate();
    out_ += bracket;
  }

  std::string out_;
  bool ok_ = true;
};

}  // namespace kelu::core

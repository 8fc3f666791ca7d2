// SPDX-License-Identifier: Apache-2.0
#pragma once
// A value or an error message: how expected failures travel (bad input, a closed
// socket, a full queue). Exceptions stay inside adapters around throwing libraries.
#include <string>
#include <utility>
#include <variant>

namespace kelu::core {

struct error {
  std::string message;
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  result(error e) : v_(std::move(e)) {}              // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const std::string& error_message() const { return std::get<1>(v_).message; }

 private:
  std::variant<T, error> v_;
};

struct ok_t {};

// For operations that return nothing but can fail.
using status = result<ok_t>;
inline status ok() { return ok_t{}; }

}  // namespace kelu::core

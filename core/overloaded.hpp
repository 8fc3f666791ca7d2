// SPDX-License-Identifier: Apache-2.0
#pragma once
// A visitor from lambdas, one per alternative: std::visit(overloaded{[](const a&) {...}, ...}, v).

namespace kelu::core {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace kelu::core

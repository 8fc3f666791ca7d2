// SPDX-License-Identifier: Apache-2.0
#include "assignment.hpp"

#include <algorithm>
#include <limits>

namespace kelu::vision {

std::vector<int> assign_min_cost(const std::vector<std::vector<double>>& cost, double forbidden) {
  const std::size_t rows = cost.size();
  const std::size_t cols = rows ? cost[0].size() : 0;
  std::vector<int> result(rows, -1);
  if (rows == 0 || cols == 0) return result;

  // The potentials method needs rows ≤ columns; pad with dummy columns at the forbidden
  // cost so that every row can be "assigned" to nothing.
  const std::size_t n = rows;
  const std::size_t m = std::max(cols, rows);
  auto at = [&](std::size_t i, std::size_t j) {  // 1-based, as the algorithm is written
    return j <= cols ? std::min(cost[i - 1][j - 1], forbidden) : forbidden;
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0), v(m + 1, 0);
  std::vector<std::size_t> p(m + 1, 0), way(m + 1, 0);
  for (std::size_t i = 1; i <= n; ++i) {
    p[0] = i;
    std::size_t j0 = 0;
    std::vector<double> minv(m + 1, inf);
    std::vector<bool> used(m + 1, false);
    do {
      used[j0] = true;
      const std::size_t i0 = p[j0];
      double delta = inf;
      std::size_t j1 = 0;
      for (std::size_t j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = at(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (std::size_t j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const std::size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  for (std::size_t j = 1; j <= cols; ++j) {
    if (p[j] != 0 && cost[p[j] - 1][j - 1] < forbidden) result[p[j] - 1] = static_cast<int>(j - 1);
  }
  return result;
}

}  // namespace kelu::vision

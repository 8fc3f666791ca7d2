// SPDX-License-Identifier: Apache-2.0
#pragma once
// Minimum-cost assignment (the Hungarian method, O(n²m)) for matching tracks to detections.
#include <vector>

namespace kelu::vision {

// cost[i][j] for row i (a track) and column j (a detection); every row has the same length.
// Returns, per row, the assigned column or −1. Pairs costing `forbidden` or more are never
// assigned: the row and the column stay unmatched instead.
std::vector<int> assign_min_cost(const std::vector<std::vector<double>>& cost, double forbidden);

}  // namespace kelu::vision

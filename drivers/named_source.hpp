// SPDX-License-Identifier: Apache-2.0
#pragma once
// A source with the name of the component its config section makes it (config/change_plan.hpp):
// "sources.pos_tcp", "cameras[door]", "counters". A change to that section rebuilds it and
// nothing else.
#include <memory>
#include <string>
#include <vector>

#include "drivers/source.hpp"

namespace kelu::drivers {

struct named_source {
  std::string component;
  std::unique_ptr<drivers::source> source;  // qualified: the member shares the type's name
};

using named_sources = std::vector<named_source>;

}  // namespace kelu::drivers

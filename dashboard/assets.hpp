// SPDX-License-Identifier: Apache-2.0
#pragma once
// The dashboard's page, scripts and styles, embedded in the binary at build time
// (dashboard/web/, by embed_assets.cmake): the box serves everything itself, nothing
// comes from a CDN, and a phone without internet still gets the whole page.
#include "router.hpp"

namespace kelu::dashboard {

const asset_map& embedded_assets();

}  // namespace kelu::dashboard

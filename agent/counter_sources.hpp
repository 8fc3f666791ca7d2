// SPDX-License-Identifier: Apache-2.0
#pragma once
// The config's counters[] as sources: one receiver for every pushing counter (Hikvision, Xovis), one
// poller per polled counter (Dahua, Axis), each counter its own source "counter-{id}".
#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <vector>

#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "config/config.hpp"
#include "drivers/named_source.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

// Not yet started; empty without counters.
drivers::named_sources make_counter_sources(boost::asio::any_io_executor ex,
                                                                   core::event_ingest& ingest, const core::clock& clock,
                                                                   const config::config& c,
                                                                   const core::time_zone& store_zone,
                                                                   std::shared_ptr<spdlog::logger> log);

}  // namespace kelu

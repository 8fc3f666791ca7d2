// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one place that turns the sources.* config into drivers, so `kelu run`, `kelu ingest`
// and the tests read a format the same way.
#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <vector>

#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "config/config.hpp"
#include "drivers/pos_file_format.hpp"
#include "drivers/named_source.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

// Parser options for every format from config: csv mapping and zone, receipt layout.
// An error names the config key (an unknown csv time zone, a bad receipt pattern).
core::result<drivers::format_options> format_options_for(const config::config& c, const core::time_zone& store_zone);

// The source id a format's events carry: the live driver's, so `kelu ingest` and the
// drop folder feed one stream per format.
std::string source_id_for(const config::config& c, drivers::pos_format f);

// Every enabled source, not yet started.
core::result<drivers::named_sources> make_pos_sources(boost::asio::any_io_executor ex,
                                                                            core::event_ingest& ingest,
                                                                            const core::clock& clock,
                                                                            const config::config& c,
                                                                            const core::time_zone& store_zone,
                                                                            std::shared_ptr<spdlog::logger> log);

}  // namespace kelu

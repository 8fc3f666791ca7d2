// SPDX-License-Identifier: Apache-2.0
#pragma once
// Hikvision people counting as its cameras push it to an "alarm host" / "HTTP listening" server
// (ISAPI event notification): an `EventNotificationAlert` document, alone or as the XML part of
// a multipart/form-data body (newer firmware attaches a picture beside it).
//
//   <EventNotificationAlert xmlns="http://www.isapi.org/ver20/XMLSchema">  (or psialliance, or
//                                   hikvision.com/ver20, or none: the namespace is not checked)
//     <macAddress>, <channelID>, <dateTime>, <eventType>PeopleCounting</eventType>,
//     <isDataRetransmission>true|false</isDataRetransmission>
//     <peopleCounting>
//       <statisticalMethods>timeRange | signalTrigger | realTime</statisticalMethods>
//       <TimeRange><startTime/><endTime/></TimeRange>   timeRange, signalTrigger: counts of the period
//       <RealTime><time/></RealTime>                    realTime: totals since the counter's reset
//       <enter/> <exit/> <pass/>
//
// Element names are matched by local name, case-insensitively (firmware differs: peopleCounting,
// PeopleCounting). Times with an offset are exact; without one they are the store's wall time.
// Pure function; no I/O.
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "counter_reading.hpp"

namespace kelu::drivers {

// The people-counting readings of one pushed body. Another event type (video loss, motion,
// the heartbeat some firmware sends) is no reading: an empty vector, not an error. An error
// names what is wrong and where ("line 3, byte 61: ...", "peopleCounting/enter: ...").
core::result<std::vector<counter_reading>> parse_hikvision_alert(std::string_view body, const core::time_zone& zone);

}  // namespace kelu::drivers

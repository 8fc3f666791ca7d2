// SPDX-License-Identifier: Apache-2.0
#pragma once
// A reference HQ consumer (`kelu hq-tail`): subscribes to the stores' events, optionally
// as one member of a shared-subscription group ($share/{group}/...) so HQ can scale out,
// reads the compressed backfill batches (backfill/{stream}) as the events they carry,
// deduplicates on (store, epoch, source, seq), detects gaps and asks the store for a replay,
// and reports ranges the store no longer has as lost. It follows each store's epochs from
// `status` (a replaced box is a new series, never duplicates) and keeps the latest closed
// aggregates by the rule of docs/mqtt.md (bucket_ledger). It is both an example for HQ
// engineers and the oracle the integration tests check the agent against.
//
// Threading: Paho delivers on its own thread; state is behind a mutex. poll() sends the
// replay requests and is called by the owner, e.g. every few hundred milliseconds.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/result.hpp"
#include "bucket_ledger.hpp"
#include "store_epochs.hpp"

namespace kelu::sync {

struct hq_tail_options {
  std::string uri;
  std::string client_id = "kelu-hq-tail";
  std::string username;
  std::string password;
  // For ssl:// brokers: HQ's CA and, where the broker authenticates by certificate, this consumer's
  // (docs/hq.md: CN "hq" in the ACL template).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tenant;
  std::string store = "+";   // one store, or every store of the tenant
  std::string share_group;   // empty: a plain subscription
  bool from_first = false;   // expect every stream from seq 1 (else from the first seq seen)
  std::chrono::milliseconds gap_grace{2000};  // reordering allowance before asking for a replay
};

struct hq_tail_stats {
  std::int64_t received = 0;
  std::int64_t unique = 0;
  std::int64_t duplicates = 0;
  std::int64_t replay_requests = 0;
  std::int64_t lost = 0;  // seqs the store reported it no longer has
  std::int64_t bad_messages = 0;
  std::int64_t aggregates = 0;        // closed aggregates filed (first or newer)
  std::int64_t stale_aggregates = 0;  // older revisions, or the replaced epoch's, ignored
};

struct stream_gap {
  std::string store;
  std::string epoch;
  std::string source;
  std::int64_t from = 0;
  std::int64_t to = 0;
};

class hq_tail {
 public:
  using printer = std::function<void(const std::string& line)>;
  hq_tail(hq_tail_options options, printer print);
  ~hq_tail();

  core::status start();  // connects and subscribes, with a deadline
  void poll();           // asks for replays of gaps older than the grace period
  void stop();
  // One message as it arrived on `topic` (Paho's callback calls it; tests feed captures through
  // it). Malformed payloads are counted in bad_messages, never thrown.
  void handle(const std::string& topic, const std::string& payload);

  hq_tail_stats stats() const;
  std::vector<stream_gap> gaps() const;
  // Contiguous seqs received (or reported lost) from 1 or the first seen, per store, epoch and
  // source; 0 when none. An empty epoch: the store's latest (the one its box runs now).
  std::int64_t high_water(const std::string& store, const std::string& source, const std::string& epoch = {}) const;
  // The store's epochs, oldest first.
  std::vector<std::string> epochs(const std::string& store) const;
  // The latest version of a closed aggregate: kind as in its topic ("funnel/hour", "report/day").
  std::optional<ledger_entry> aggregate(const std::string& store, const std::string& kind,
                                        const std::string& start) const;

 private:
  struct stream {
    std::int64_t high = -1;  // -1: nothing seen yet
    std::set<std::int64_t> beyond;
    std::chrono::steady_clock::time_point gap_since{};
    std::chrono::steady_clock::time_point asked{};
    std::chrono::steady_clock::time_point last_historical{};  // the box is draining a backlog
  };
  using stream_key = std::tuple<std::string, std::string, std::string>;  // store, epoch, source
  struct asked_range {
    stream_key key;
    std::int64_t from = 0;
    std::int64_t to = 0;
  };
  void on_event(const std::string& payload);
  void on_status(const std::string& store, const std::string& payload);
  void on_aggregate(const std::string& store, const std::string& kind, const std::string& payload);
  void on_replay_reply(const std::string& store, const std::string& payload);
  // software/reported: one line when where a store stands with its software changes.
  void on_software(const std::string& store, const std::string& payload);
  void mark_lost(stream& s, const stream_key& key, std::int64_t from, std::int64_t to, const std::string& why);
  void adopt_legacy(const std::string& store, const std::string& epoch);
  static void advance(stream& s);

  hq_tail_options options_;
  printer print_;
  mutable std::mutex mutex_;
  std::map<stream_key, stream> streams_;
  store_epochs epochs_;
  bucket_ledger aggregates_;
  std::map<std::string, asked_range> asked_;  // by request_id
  std::map<std::string, std::string> software_;  // store -> its last SOFTWARE line
  hq_tail_stats stats_;
  std::int64_t next_request_ = 0;
  struct paho;
  std::unique_ptr<paho> paho_;
};

}  // namespace kelu::sync

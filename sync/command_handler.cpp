// SPDX-License-Identifier: Apache-2.0
#include "command_handler.hpp"

#include <spdlog/spdlog.h>

#include "replay.hpp"

namespace kelu::sync {

namespace {
// A command is a few hundred bytes; this is far above any real one and far below memory trouble.
constexpr std::size_t max_command_bytes = 64 * 1024;
}  // namespace

command_handler::command_handler(database& db, event_store& store, outbox& out, topics t, const core::clock& clock,
                                 std::shared_ptr<spdlog::logger> log)
    : db_(db), store_(store), out_(out), topics_(std::move(t)), clock_(clock), log_(std::move(log)) {}

void command_handler::reply(const std::string& name, const std::string& payload) {
  transaction tx{db_};
  out_.insert({topics_.reply(name), 1, false, health_priority}, payload, clock_.now_utc());
  tx.commit();
}

bool command_handler::handle(const std::string& topic, const std::string& payload) {
  const auto prefix = topics_.command("");
  if (topic.rfind(prefix, 0) != 0) return false;
  const auto name = topic.substr(prefix.size());
  // A name with separators would make the reply topic land somewhere else.
  const bool plain = !name.empty() && name.find_first_of("/+#") == std::string::npos && name.size() <= 64;
  const auto reply_name = plain ? name : std::string("error");
  try {
    if (payload.size() > max_command_bytes) {
      const auto why = "cmd/" + reply_name + ": " + std::to_string(payload.size()) + " bytes, more than " +
                       std::to_string(max_command_bytes);
      log_->warn("{} (refused unread)", why);
      reply(reply_name, replay_error("", why));
      return true;
    }
    if (name == "replay") {
      auto request = parse_replay(payload);
      if (!request) {
        log_->warn("cmd/replay refused: {}", request.error_message());
        reply(reply_name, replay_error(payload, request.error_message()));
        return true;
      }
      if (auto refused = replay_wrong_epoch(*request, db_.identity().epoch)) {
        log_->warn("cmd/replay refused: epoch {} is not this database's {}", request->epoch, db_.identity().epoch);
        reply(reply_name, *refused);
        return true;
      }
      const auto outcome = replay(db_, store_, out_, topics_, *request, clock_.now_utc());
      log_->info("cmd/replay {} {}..{}: queued {}, {} missing ranges", request->source, request->from_seq,
                 request->to_seq, outcome.queued, outcome.missing.size());
      reply(reply_name, replay_reply(*request, outcome));
      return true;
    }
    reply(reply_name, replay_error(payload, "unknown command \"" + name + "\""));
  } catch (const std::exception& e) {
    // Storage trouble: the command is not half-done (each step is one transaction); say so.
    log_->error("cmd/{}: {}", name, e.what());
    try {
      reply(reply_name, replay_error(payload, std::string("storage: ") + e.what()));
    } catch (const std::exception&) {
    }
  }
  return true;
}

}  // namespace kelu::sync

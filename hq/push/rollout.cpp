// SPDX-License-Identifier: Apache-2.0
#include "rollout.hpp"

#include <algorithm>

namespace kelu::hq {

namespace {

bool final_state(const std::string& s) {
  return s == "applied" || s == "rolled_back" || s == "rejected" || s == "no_answer" || s == "not_sent" || s == "offline";
}

std::string joined(const nlohmann::json& list) {
  std::string out;
  if (!list.is_array()) return out;
  for (const auto& e : list)
    if (e.is_string()) out += (out.empty() ? "" : "; ") + e.get<std::string>();
  return out;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace

std::vector<std::string> pick_canaries(const std::vector<std::string>& stores, std::size_t count, std::int64_t version) {
  std::vector<std::string> sorted = stores;
  std::sort(sorted.begin(), sorted.end(), [&](const std::string& a, const std::string& b) {
    const auto ha = fnv1a(std::to_string(version) + "/" + a), hb = fnv1a(std::to_string(version) + "/" + b);
    return ha != hb ? ha < hb : a < b;
  });
  sorted.resize(std::min(count, sorted.size()));
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

rollout::rollout(std::vector<std::string> stores, const std::vector<std::string>& canaries, rollout_options options)
    : options_(options) {
  std::sort(stores.begin(), stores.end());
  for (auto& s : stores) {
    store_outcome o;
    o.canary = std::find(canaries.begin(), canaries.end(), s) != canaries.end();
    o.store = std::move(s);
    outcomes_.push_back(std::move(o));
  }
  // No canary (a push to one store, or --canary 0): everything is released at once.
  rest_released_ = std::none_of(outcomes_.begin(), outcomes_.end(), [](const store_outcome& o) { return o.canary; });
}

store_outcome* rollout::find(const std::string& store) {
  for (auto& o : outcomes_)
    if (o.store == store) return &o;
  return nullptr;
}

std::vector<std::string> rollout::publish_now(steady::time_point now) {
  if (started_ == steady::time_point{}) started_ = now;
  std::vector<std::string> out;
  if (!rest_released_ && !halted_ && canaries_passed(now)) {
    rest_released_ = true;
    rest_sent_ = now;
  }
  for (auto& o : outcomes_) {
    if (o.state != "pending" || halted_ || (!o.canary && !rest_released_)) continue;
    o.state = "sent";
    o.sent = now;
    out.push_back(o.store);
  }
  return out;
}

bool rollout::canaries_passed(steady::time_point now) const {
  for (const auto& o : outcomes_) {
    if (!o.canary) continue;
    if (o.state != "applied" || now - o.answered < options_.soak) return false;
    const auto on = online_.find(o.store);
    if (on == online_.end() || !on->second) return false;
  }
  return true;
}

void rollout::halt(const std::string& why) {
  if (halted_ || rest_released_) return;
  halted_ = true;
  halt_reason_ = why;
  for (auto& o : outcomes_)
    if (!o.canary && o.state == "pending") o.state = "not_sent";
}

void rollout::on_reported(const std::string& store, const nlohmann::json& r, steady::time_point now) {
  auto* o = find(store);
  if (!o || o->state == "pending" || o->state == "not_sent" || !r.is_object()) return;
  const auto state = store_text(r, "state");
  const auto version = store_integer(r, "version");
  const auto applied_version = store_integer(r, "applied_version");
  // Our answer: to our version; after a restart, the boot's answer that our version runs.
  const bool ours = version == options_.version || (state == "applied" && applied_version == options_.version &&
                                                    store_text(r, "origin") == "boot");
  if (!ours) return;
  if (state == "restarting") {
    o->state = "restarting";
    return;
  }
  if (state != "applied" && state != "rolled_back" && state != "rejected") return;
  o->state = state;
  o->answered = now;
  const auto* said = state == "rejected" ? "errors" : "reason";
  o->detail = r.contains(said) ? joined(r[said]) : std::string{};
  if (o->canary && state != "applied") halt("canary " + store + " " + state + (o->detail.empty() ? "" : ": " + o->detail));
}

void rollout::on_status(const std::string& store, const nlohmann::json& status, steady::time_point now) {
  (void)now;
  if (!status.is_object()) return;
  const bool online = store_text(status, "state") == "online";
  online_[store] = online;
  auto* o = find(store);
  if (o && o->canary && o->state == "applied" && !online && !rest_released_) {
    o->state = "offline";
    o->detail = "went offline after applying: " + store_text(status, "reason");
    halt("canary " + store + " went offline after applying");
  }
}

bool rollout::settle(steady::time_point now) {
  const auto within = " within " + std::to_string(options_.deadline.count()) + " s";
  for (auto& o : outcomes_) {
    // A canary that applied but was never seen online (its status not retained, as on brokers
    // without retained messages for wildcard subscriptions, and not published since) would hold
    // the rest back forever: healthy is not proven, so the push halts.
    if (o.canary && o.state == "applied" && !rest_released_ && now - o.answered >= options_.deadline) {
      const auto on = online_.find(o.store);
      if (on == online_.end() || !on->second) halt("canary " + o.store + " applied but was not seen online" + within);
    }
    if (final_state(o.state) || o.state == "pending") continue;
    if (now - o.sent >= options_.deadline) {
      o.state = "no_answer";
      if (o.canary) halt("canary " + o.store + " did not answer" + within);
    }
  }
  return std::all_of(outcomes_.begin(), outcomes_.end(), [](const store_outcome& o) { return final_state(o.state); });
}

}  // namespace kelu::hq

// SPDX-License-Identifier: Apache-2.0
#include "software_control.hpp"

#include <spdlog/spdlog.h>

#include "analytics/weekly_hours.hpp"
#include "agent/software_desired.hpp"

namespace kelu {

namespace {

using json = nlohmann::json;

constexpr std::chrono::seconds idle_every{60};
constexpr std::chrono::seconds busy_every{5};
// An install and a rollback have to fit before the store opens: the gate twice, plus downloads.
constexpr std::chrono::minutes window_margin{15};
// A version whose install failed with nothing changed (HQ's repository unreachable) is tried again after this.
constexpr std::chrono::hours failed_retry{1};
// A request nobody took for this long is said to be stuck (kelu-update.path not enabled).
constexpr std::chrono::minutes request_stuck{15};

std::int64_t age_s(const json& doc, const char* key, core::utc_time now) {
  const auto at = doc.find(key);
  if (at == doc.end() || !at->is_number_integer()) return 0;
  return (core::to_unix_ms(now) - at->get<std::int64_t>()) / 1000;
}

}  // namespace

software_control::software_control(boost::asio::any_io_executor ex, update_dir dir, identity id,
                                   const core::time_zone& zone, const core::clock& clock,
                                   std::shared_ptr<spdlog::logger> log, hooks h)
    : timer_(ex),
      dir_(std::move(dir)),
      id_(std::move(id)),
      zone_(zone),
      clock_(clock),
      log_(std::move(log)),
      hooks_(std::move(h)),
      gate_(ex) {}

software_control::~software_control() = default;

void software_control::start() {
  if (auto st = dir_.make(); !st) log_->error("software updates: {}", st.error_message());
  if (auto last = dir_.read(update_dir::last); last && *last) last_ = std::move(**last);
  auto applying = dir_.read(update_dir::applying);
  if (applying && *applying && (*applying)->contains("nonce") && !dir_.exists(update_dir::verdict))
    begin_gate(**applying);
  evaluate();
}

void software_control::stop() {
  stopped_ = true;
  gate_.cancel();
  timer_.cancel();
}

void software_control::on_desired(bool estate, const std::string& payload) {
  (estate ? estate_payload_ : store_payload_) = payload;
  evaluate();
}

void software_control::schedule() {
  if (stopped_) return;
  const bool busy = gate_.busy() || dir_.exists(update_dir::request) || dir_.exists(update_dir::applying);
  timer_.expires_after(busy ? busy_every : idle_every);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) evaluate();
  });
}

void software_control::evaluate() {
  take_result();
  const bool from_store = !store_payload_.empty();
  json ref = nullptr;
  decision d;
  if (gate_.busy()) {
    d = {"gating", "", {}};
  } else if (!from_store && estate_payload_.empty()) {
    d = {"current", "", {}};
    dir_.remove(update_dir::request);  // HQ withdrew what it asked for
  } else {
    const auto& payload = from_store ? store_payload_ : estate_payload_;
    auto desired = parse_software_desired(payload);
    if (!desired) {
      d = {"refused", std::string(from_store ? "software/desired" : "the estate's software/desired") + ": " +
                          desired.error_message(), {}};
    } else {
      ref = {{"version", desired->version}, {"attempt", desired->attempt}, {"from", from_store ? "store" : "estate"}};
      d = decide(*desired);
    }
  }
  publish(d, ref);
  schedule();
}

software_control::decision software_control::decide(const software_desired& want) {
  if (want.version == id_.version) {
    dir_.remove(update_dir::request);
    return {"current", "", {}};
  }
  if (dir_.exists(update_dir::applying)) return {"updating", "the updater is installing " + want.version, {}};
  if (auto pending = dir_.read(update_dir::request); pending && *pending) {
    const auto& r = **pending;
    if (text_of(r, "version") == want.version && integer_of(r, "attempt", -1) == want.attempt) {
      const auto waited = age_s(r, "requested_ms", clock_.now_utc());
      if (waited < std::chrono::seconds(request_stuck).count()) return {"requested", "", {}};
      return {"requested",
              "the updater has not taken the request for " + std::to_string(waited / 60) +
                  " min: is kelu-update.path enabled (systemctl enable --now kelu-update.path)?",
              {}};
    }
    dir_.remove(update_dir::request);  // HQ changed its mind before the updater took it
  }
  if (auto h = held(want.version, want.attempt)) return *h;
  auto window = maintenance_window::make(want.window, hooks_.opening_hours(), want.gate + window_margin);
  if (!window) return {"refused", "software/desired: window: " + window.error_message(), {}};
  const auto now = clock_.now_utc();
  // Until the window's next opening, found once (a search of up to a week), nothing changes.
  const auto key = want.window + "|" + hooks_.opening_hours() + "|" + std::to_string(want.gate.count());
  if (waiting_.key != key || now >= waiting_.opens) {
    waiting_ = {key, core::utc_time::max(), ""};
    if (!window->open_at(now, zone_)) {
      if (auto next = window->next_open(now, zone_)) waiting_ = {key, *next, analytics::format_local(*next, zone_)};
    } else {
      waiting_.key.clear();
    }
  }
  if (!waiting_.key.empty()) {
    json extra = json::object();
    if (!waiting_.opens_text.empty()) extra["window_opens"] = waiting_.opens_text;
    return {"waiting", "outside the maintenance window (" + want.window + ")", extra};
  }
  const json req{{"version", want.version},
                 {"attempt", want.attempt},
                 {"gate_s", want.gate.count()},
                 {"from_version", id_.version},
                 {"before", hooks_.components_up()},
                 {"requested_ms", core::to_unix_ms(now)}};
  if (auto st = dir_.write(update_dir::request, req); !st) return {"refused", st.error_message(), {}};
  log_->info("software update to {} requested (running {}): kelu-update takes it from here", want.version,
             id_.version);
  return {"requested", "", {}};
}

std::optional<software_control::decision> software_control::held(const std::string& version,
                                                                  std::int64_t attempt) const {
  if (!last_.is_object() || text_of(last_, "version") != version || integer_of(last_, "attempt", -1) != attempt)
    return std::nullopt;
  const auto outcome = text_of(last_, "outcome");
  const auto reason = text_of(last_, "reason");
  if (outcome == "rolled_back")
    return decision{"held",
                    version + " was rolled back (" + reason + "); publish it with \"attempt\": " +
                        std::to_string(attempt + 1) + " to try again",
                    {}};
  if (outcome == "failed" && age_s(last_, "finished_ms", clock_.now_utc()) <
                                 std::chrono::duration_cast<std::chrono::seconds>(failed_retry).count())
    return decision{"held", "installing " + version + " failed (" + reason + "); tried again within the hour", {}};
  return std::nullopt;
}

void software_control::take_result() {
  auto result = dir_.read(update_dir::result);
  if (!result) {
    log_->error("software update: {}; set aside", result.error_message());
    (void)dir_.rename(update_dir::result, "result.bad.json");
    return;
  }
  if (!*result) return;
  last_ = std::move(**result);
  if (auto st = dir_.write(update_dir::last, last_); !st) log_->error("software update: {}", st.error_message());
  dir_.remove(update_dir::result);
  const auto outcome = text_of(last_, "outcome");
  (outcome == "updated" ? log_->info("software update {} -> {}: {} in {} s", text_of(last_, "previous"),
                                     text_of(last_, "version"), outcome, number_of(last_, "took_s", 0.0))
                        : log_->warn("software update {} -> {}: {} in {} s: {}", text_of(last_, "previous"),
                                     text_of(last_, "version"), outcome, number_of(last_, "took_s", 0.0),
                                     text_of(last_, "reason")));
}

void software_control::begin_gate(const json& applying) {
  const auto nonce = text_of(applying, "nonce");
  // HQ's 30 s floor was applied to the request; only the ceiling guards this file.
  const auto gate = std::chrono::seconds(
      std::clamp<std::int64_t>(integer_of(applying, "gate_s", 120), std::int64_t{1}, max_update_gate.count()));
  const json before = applying.contains("before") ? applying["before"] : json::object();
  log_->info("started after the update to {}: judging this version by the health gate ({} s)",
             text_of(applying, "version"), gate.count());
  gate_.begin(hooks_.checks(before), gate, [this, nonce](std::vector<std::string> failures) {
    const json verdict{{"nonce", nonce}, {"ok", failures.empty()}, {"failures", failures},
                       {"version", id_.version}, {"boot_id", id_.boot_id}};
    if (auto st = dir_.write(update_dir::verdict, verdict); !st) log_->error("software update: {}", st.error_message());
    if (failures.empty()) log_->info("this version passed the update's health gate");
    else log_->error("this version failed the update's health gate: {}", nlohmann::json(failures).dump());
    evaluate();
  });
}

void software_control::publish(const decision& d, const json& desired_ref) {
  json r{{"version", id_.version}, {"state", d.state}, {"desired", desired_ref}, {"last", last_},
         {"boot_id", id_.boot_id}};
  if (!d.reason.empty()) r["reason"] = d.reason;
  for (const auto& [k, v] : d.extra.items()) r[k] = v;
  if (r == reported_) return;  // nothing new for HQ
  reported_ = r;
  auto out = r;
  out["at"] = core::format_iso8601(clock_.now_utc());
  if (hooks_.report) hooks_.report(std::move(out));
}

}  // namespace kelu

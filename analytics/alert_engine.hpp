// SPDX-License-Identifier: Apache-2.0
#pragma once
// Alert rules from the config, judged against today's figures and the agent's health (the
// seed's "visual rule engine": rules are data, not code). Each rule watches one metric per
// subject (the store, a camera, a till, one return); it fires when the comparison holds while
// the rule is active, resolves when it stops holding (or the rule goes inactive), and does
// not fire again within its cooldown. Replacing the rules (a reload) keeps the state of rules
// whose name and definition are unchanged and resolves the alerts of the others. A restarted
// agent restores what was firing (restore), so an ongoing breach is not announced twice.
// Pure: time comes in with the inputs.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "funnel.hpp"

namespace kelu::analytics {

// Staff on the floor against what the traffic asks for, when a store alert fired: a manager
// who is short-handed is told so in the alert, and the outcome records whether staff came.
struct staffing_hint {
  std::int64_t on_shift = 0;  // associates on shift at the moment it fired
  std::int64_t needed = 0;    // the forecast's staff for this hour (else the window's visitors at the target STAR)
  bool short_handed() const { return on_shift < needed; }
  bool operator==(const staffing_hint&) const = default;
};

struct alert_inputs {
  core::utc_time now{};
  const day_analysis* today = nullptr;  // today so far; window metrics read its quarters
  std::vector<std::pair<std::string, std::optional<core::utc_time>>> cameras;  // id, offline since
  std::int64_t outbox_oldest_age_s = 0;
  std::optional<staffing_hint> staffing;  // given to firings of the store's traffic and sales metrics
};

struct alert {
  std::string id;        // random; a firing and its resolution share it
  std::string rule;
  std::string metric;
  std::string subject;   // "store", a camera id, a terminal, "source:seq" of a return, "outbox"
  std::string state;     // "firing" | "resolved"
  // Why it resolved: "cleared" (the figure is back), "unobserved" (the rule went inactive or the
  // figure is no longer judged: closed, cameras saw too little), "rule_changed". Empty while firing.
  std::string resolution;
  std::string severity;
  double value = 0;
  std::string op;
  double threshold = 0;
  std::int64_t window_min = 0;
  core::utc_time since{};  // when it fired
  core::utc_time at{};     // when this state was reached
  seq_ranges trace;        // the raw events behind the value
  std::optional<staffing_hint> staffing;
  std::vector<std::string> notify;
  std::string message_en;
  std::string message_zh;
};

class alert_engine {
 public:
  alert_engine(std::vector<config::alert_rule_config> rules, funnel_rules funnel, core::time_zone zone,
               std::string store_name);
  // New rules (a reload). Returns the resolutions ("rule_changed") of alerts whose rule changed
  // or went: they are over, and whoever heard them fire should hear that.
  std::vector<alert> update(std::vector<config::alert_rule_config> rules, funnel_rules funnel, core::utc_time now);
  // After a restart: `firing` were firing when the agent stopped; `fired` are the latest firing
  // of each (rule, subject) within the longest cooldown. A firing alert whose rule is unchanged
  // in what it carries (metric, op, threshold, window, severity) resumes with its id; the
  // others are returned resolved ("rule_changed"). Cooldowns count from the restored firings.
  std::vector<alert> restore(const std::vector<alert>& firing, const std::vector<alert>& fired, core::utc_time now);
  // Transitions since the last call: new firings and resolutions, in rule order.
  std::vector<alert> evaluate(const alert_inputs& in);
  // Alerts firing now.
  std::vector<alert> active() const;

 private:
  struct observation {
    std::string subject;
    double value = 0;
    seq_ranges trace;
  };
  struct state {
    bool firing = false;
    alert current;
    std::optional<core::utc_time> last_fired;
  };
  std::vector<observation> observe(const config::alert_rule_config& r, const alert_inputs& in) const;
  bool is_active(const config::alert_rule_config& r, core::utc_time now) const;
  alert make(const config::alert_rule_config& r, const observation& o, core::utc_time now, bool firing,
             const std::optional<staffing_hint>& staffing) const;
  const config::alert_rule_config* rule_named(const std::string& name) const;

  std::vector<config::alert_rule_config> rules_;
  funnel_rules funnel_;
  core::time_zone zone_;
  std::string store_name_;
  std::map<std::pair<std::string, std::string>, state> states_;  // (rule, subject)
};

}  // namespace kelu::analytics

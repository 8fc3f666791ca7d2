#pragma once
// Alert rules from the config, judged against today's figures and the agent's health (the
// seed's "visual rule engine": rules are data, not code). Each rule watches one metric per
// subject (the store, a camera, a till, one return); it fires when the comparison holds while
// the rule is active, resolves when it stops holding (or the rule goes inactive), and does
// not fire again within its cooldown. Replacing the rules (a reload) keeps the state of rules
// whose name and definition are unchanged. Pure: time comes in with the inputs.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "funnel.hpp"

namespace kelu::analytics {

struct alert_inputs {
  core::utc_time now{};
  const day_analysis* today = nullptr;  // today so far; window metrics read its quarters
  std::vector<std::pair<std::string, std::optional<core::utc_time>>> cameras;  // id, offline since
  std::int64_t outbox_oldest_age_s = 0;
};

struct alert {
  std::string id;        // random; a firing and its resolution share it
  std::string rule;
  std::string metric;
  std::string subject;   // "store", a camera id, a terminal, "source:seq" of a return, "outbox"
  std::string state;     // "firing" | "resolved"
  std::string severity;
  double value = 0;
  std::string op;
  double threshold = 0;
  std::int64_t window_min = 0;
  core::utc_time since{};  // when it fired
  core::utc_time at{};     // when this state was reached
  seq_ranges trace;        // the raw events behind the value
  std::vector<std::string> notify;
  std::string message_en;
  std::string message_zh;
};

class alert_engine {
 public:
  alert_engine(std::vector<config::alert_rule_config> rules, funnel_rules funnel, core::time_zone zone,
               std::string store_name);
  void update(std::vector<config::alert_rule_config> rules, funnel_rules funnel);
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
  alert make(const config::alert_rule_config& r, const observation& o, core::utc_time now, bool firing) const;

  std::vector<config::alert_rule_config> rules_;
  funnel_rules funnel_;
  core::time_zone zone_;
  std::string store_name_;
  std::map<std::pair<std::string, std::string>, state> states_;  // (rule, subject)
};

}  // namespace kelu::analytics

// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu enroll CODE --hq URL [--hq-ca FILE]`: a box joins the estate in one step (docs/fleet.md,
// "Enrolling a box"). With the one-time code HQ issued for a store (`kelu hq enroll-code`) the box
//   1. makes its own key pair (box.key beside the database; the key never leaves the box) and a
//      certificate request,
//   2. sends code and request to HQ's enrolment server over https, checking HQ's certificate
//      against --hq-ca (or the system's trust),
//   3. gets its certificate (CN "{tenant}/{store}"), the CA of HQ's broker and its settings,
//      checks them (the certificate is for its key and names that store),
//   4. keeps box.crt and hq-ca.pem beside the database, rotates the dashboard's key (every QR code
//      printed for this box before stops opening its dashboard), and
//   5. keeps the store's identity, the certificate's files and HQ's settings as the technician's
//      settings (technician.json), has the running agent start again with them and waits until it
//      runs as the store, connected to HQ's broker; with no agent running it starts so next time.
// The key waits as box.key.pending until HQ answered: run again with the same code after a lost
// answer and HQ sends the same certificate again. A box whose database holds another store's events
// is not enrolled over it (they would be sent as the new store's); one that never counted (the
// package's sample store) is.
//
// Exit 0 enrolled (and connected, when an agent runs); 1 HQ refused (the reason printed: a used or
// expired code, HQ's CA failing) or the agent did not reach HQ's broker within connect_timeout_s
// (enrolled all the same; what stands in the way printed); 2 a local failure (files).
#include <iosfwd>
#include <string>

#include "agent/boot_config.hpp"

namespace kelu::cli {

struct enroll_options {
  std::string code;
  std::string hq_url;  // the enrolment server, "https://hq.example.com:8443"
  std::string hq_ca;   // PEM: what signed that server's certificate; empty: the system's trust
  int timeout_s = 30;          // for HQ's answer
  int connect_timeout_s = 90;  // for the agent to run as the store and reach HQ's broker
};

// `boot`: the configuration at `config_path` as load_boot_config read it (an error for a box in
// minimal mode), which the caller also needed to act as the data's owner.
int run_enroll(const std::string& config_path, const core::result<boot_config>& boot, const enroll_options& o,
               std::ostream& out, std::ostream& err);

}  // namespace kelu::cli

#pragma once
// Signs a box's certificate request with HQ's CA by running a command: its argv as given, with
// TENANT STORE CSR_FILE OUT_FILE appended. `scripts/hq-ca sign DIR` is one (the small CA); a
// chain's own PKI goes behind a script taking the same four arguments. The command must name the
// store in the certificate's CN as "TENANT/STORE" whatever the request asked for (hq-ca sign
// does; the broker's ACL trusts nothing else), and the result is checked for it.
//
// Run without a shell, in a fresh temporary directory, killed at the deadline. Blocks the calling
// thread for as long as the command runs (tens of milliseconds for hq-ca).
#include <chrono>
#include <string>
#include <vector>

#include "agent/core/result.hpp"

namespace kelu::hq {

class csr_signer {
 public:
  csr_signer(std::vector<std::string> command, std::chrono::milliseconds deadline);

  // The certificate's PEM. Errors: the command failed (its exit status and last line of stderr),
  // overran the deadline, or wrote no certificate naming TENANT/STORE.
  core::result<std::string> sign(const std::string& tenant, const std::string& store, const std::string& csr_pem) const;

 private:
  std::vector<std::string> command_;
  std::chrono::milliseconds deadline_;
};

}  // namespace kelu::hq

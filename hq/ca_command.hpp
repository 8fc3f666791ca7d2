// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's certificate authority through commands, as scripts/hq-ca offers it and a chain's PKI can
// behind scripts of its own (docs/hq.md, "Enrolling a box"):
//   sign:   ARGV... TENANT STORE CSR_FILE OUT_FILE   writes the box's certificate, CN "TENANT/STORE"
//   revoke: ARGV... CERT_FILE                        revokes it (and rewrites the CRL the broker reads)
// Each runs without a shell, in a fresh temporary directory, and is killed at the deadline; it
// blocks the calling thread while it runs (tens of milliseconds for hq-ca).
#include <chrono>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace kelu::hq {

class csr_signer {
 public:
  csr_signer(std::vector<std::string> command, std::chrono::milliseconds deadline);

  // The certificate's PEM. Errors: the command failed (its exit status and last line of stderr),
  // overran the deadline, or wrote no certificate naming TENANT/STORE (the broker's ACL trusts
  // nothing else, whatever the request asked for).
  core::result<std::string> sign(const std::string& tenant, const std::string& store, const std::string& csr_pem) const;

 private:
  std::vector<std::string> command_;
  std::chrono::milliseconds deadline_;
};

class certificate_revoker {
 public:
  certificate_revoker(std::vector<std::string> command, std::chrono::milliseconds deadline);

  // Errors as csr_signer's.
  core::status revoke(const std::string& certificate_pem) const;

 private:
  std::vector<std::string> command_;
  std::chrono::milliseconds deadline_;
};

}  // namespace kelu::hq

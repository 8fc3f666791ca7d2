// SPDX-License-Identifier: Apache-2.0
#include "ca_command.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "sync/box_certificate.hpp"
#include "core/command.hpp"
#include "core/files.hpp"

namespace kelu::hq {

namespace {

// A directory of its own for one signing, removed with everything in it.
class scratch_dir {
 public:
  scratch_dir() {
    auto pattern = (std::filesystem::temp_directory_path() / "kelu-sign-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `args` until `deadline`: the files it names are in the scratch directory.
core::status run(const std::vector<std::string>& args, std::chrono::milliseconds deadline) {
  auto out = core::run_command(args, {deadline});
  if (!out) return core::error{out.error_message()};
  if (out->exit_status != 0) return core::error{core::describe_failure(args, *out)};
  return core::ok();
}

}  // namespace

csr_signer::csr_signer(std::vector<std::string> command, std::chrono::milliseconds deadline)
    : command_(std::move(command)), deadline_(deadline) {}

core::result<std::string> csr_signer::sign(const std::string& tenant, const std::string& store,
                                           const std::string& csr_pem) const {
  if (command_.empty()) return core::error{"no signing command"};
  scratch_dir dir;
  if (dir.path().empty()) return core::error{"cannot make a temporary directory to sign in"};
  const auto csr = dir.path() / "box.csr", out = dir.path() / "box.pem";
  if (auto st = core::write_file_atomically(csr, csr_pem, 0600); !st) return core::error{st.error_message()};
  auto args = command_;
  args.insert(args.end(), {tenant, store, csr.string(), out.string()});
  if (auto st = run(args, deadline_); !st) return core::error{st.error_message()};
  auto pem = core::read_file(out);
  if (!pem) return core::error{command_[0] + " wrote no certificate"};
  const auto cert = sync::parse_box_certificate(*pem, command_[0] + "'s certificate");
  if (!cert) return core::error{cert.error_message()};
  if (cert->common_name != tenant + "/" + store)
    return core::error{command_[0] + " named the certificate \"" + cert->common_name + "\", not \"" + tenant + "/" +
                       store + "\""};
  return std::move(pem).value();
}

certificate_revoker::certificate_revoker(std::vector<std::string> command, std::chrono::milliseconds deadline)
    : command_(std::move(command)), deadline_(deadline) {}

core::status certificate_revoker::revoke(const std::string& certificate_pem) const {
  if (command_.empty()) return core::error{"no revoking command"};
  scratch_dir dir;
  if (dir.path().empty()) return core::error{"cannot make a temporary directory to revoke in"};
  const auto cert = dir.path() / "box.pem";
  if (auto st = core::write_file_atomically(cert, certificate_pem, 0600); !st) return st;
  auto args = command_;
  args.push_back(cert.string());
  return run(args, deadline_);
}

}  // namespace kelu::hq

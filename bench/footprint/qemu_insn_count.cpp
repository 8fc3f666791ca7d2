// SPDX-License-Identifier: Apache-2.0
// A qemu-user TCG plugin that counts the guest instructions a program executes, so that the
// footprint table can give ARM figures from this x86 machine (bench/footprint/footprint.py):
//   qemu-aarch64 -plugin ./libqemu_insn_count.so -L SYSROOT kelu --version
// prints "guest instructions: N" on stderr when the program exits. Debian 12's qemu 7.2 loads
// plugins but ships no plugin header, so the few declarations of plugin API version 1 that this
// uses are written out here. The counter is incremented inline, non-atomically: with several
// guest threads running at once a few increments can be lost, which a rough proxy can afford.
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>

extern "C" {
using qemu_plugin_id_t = std::uint64_t;
struct qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
using qemu_plugin_vcpu_tb_trans_cb_t = void (*)(qemu_plugin_id_t, qemu_plugin_tb*);
using qemu_plugin_udata_cb_t = void (*)(qemu_plugin_id_t, void*);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
std::size_t qemu_plugin_tb_n_insns(const qemu_plugin_tb* tb);
void qemu_plugin_register_vcpu_tb_exec_inline(qemu_plugin_tb* tb, qemu_plugin_op op, void* ptr, std::uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

namespace {
std::uint64_t instructions = 0;

void translated(qemu_plugin_id_t, qemu_plugin_tb* tb) {
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &instructions,
                                           qemu_plugin_tb_n_insns(tb));
}

void exited(qemu_plugin_id_t, void*) { std::fprintf(stderr, "guest instructions: %" PRIu64 "\n", instructions); }
}  // namespace

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t*, int,
                                                               char**) {
  qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
  qemu_plugin_register_atexit_cb(id, exited, nullptr);
  return 0;
}
}

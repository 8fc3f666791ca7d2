#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The footprint table of docs/BENCHMARKS.md, per architecture, from the packages themselves.

    bench/footprint/footprint.py            # after scripts/package all (or any of its packages)

For each kelu_*.deb found under build/ (deb-amd64, cross-arm64, cross-armhf): the package's size
its stripped binary's and camera module's; guest instructions under qemu-user (a TCG plugin, qemu_insn_count.cpp)
for `--version`, `config validate` of the shipped file, and per video frame of `kelu count` on the
sample door video, x86-64 counted the same way for comparison. Natively on amd64, with a real
mosquitto on a free loopback port: the time from exec to READY=1 on a NOTIFY_SOCKET (as systemd
sees it) against `kelu --version`'s wall time, measured in the same run (the dynamic loading
both pay), and resident memory idle and with one camera against `--version`'s peak (the libraries
alone), and how many shared objects are mapped (OpenCV's only with a camera, through the camera
module). Machines are shared and noisy: medians of several runs, printed, never asserted.
"""
import glob
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VIDEO = os.path.join(ROOT, "build", "data", "vtest.avi")
QEMU = {"amd64": ("qemu-x86_64", "/"), "arm64": ("qemu-aarch64", "build/sysroot-arm64"),
        "armhf": ("qemu-arm", "build/sysroot-armhf")}
LINE = "entrance=0,300,768,300"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def plugin(work):
    so = os.path.join(work, "libqemu_insn_count.so")
    run(["g++", "-shared", "-fPIC", "-O2", "-o", so, os.path.join(os.path.dirname(__file__), "qemu_insn_count.cpp")])
    return so


def guest_instructions(arch, so, args):
    qemu, sysroot = QEMU[arch]
    # GStreamer (behind OpenCV's video I/O) would fork a registry scanner: counted nowhere.
    env = dict(os.environ, GST_REGISTRY_FORK="no")
    p = subprocess.run([qemu, "-plugin", so, "-L", os.path.join(ROOT, sysroot)] + args,
                       capture_output=True, text=True, env=env)
    m = re.search(r"guest instructions: (\d+)", p.stderr)
    if not m:
        sys.exit(f"footprint: no instruction count from {qemu} {' '.join(args)}: {p.stderr[-500:]}")
    return int(m.group(1))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def mapped_libraries(pid):
    """The shared objects a process has mapped (the camera module loads OpenCV's only with a camera)."""
    with open(f"/proc/{pid}/maps") as f:
        return {line.split()[-1] for line in f if ".so" in line.split()[-1]}


def config_file(work, broker_port, cameras, fresh=True):
    """The agent's config; `fresh`: without its database (a first start), else the last run's (a restart)."""
    path = os.path.join(work, "kelu.json")
    db = os.path.join(work, "kelu.db")
    for f in glob.glob(db + "*") if fresh else []:
        os.remove(f)
    with open(path, "w") as f:
        json.dump({"store": {"tenant": "bench", "id": "footprint"},
                   "storage": {"path": db},
                   "mqtt": {"uri": f"tcp://127.0.0.1:{broker_port}"},
                   "sources": {"pos_tcp": {"listen": "127.0.0.1", "port": 0}},
                   "dashboard": {"listen": "127.0.0.1", "port": 0},
                   "cameras": cameras}, f)
    return path


def start_agent(kelu, config, work):
    """Starts `kelu run`; returns (process, seconds until READY=1)."""
    sock_path = os.path.join(work, "notify")
    if os.path.exists(sock_path):
        os.remove(sock_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(60)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    log = open(os.path.join(work, "agent.log"), "ab")
    start = time.monotonic()
    proc = subprocess.Popen([kelu, "run", "--config", config], env=env, stdout=log, stderr=log)
    while True:
        msg = sock.recv(4096).decode()
        if "READY=1" in msg:
            ready = time.monotonic() - start
            break
    sock.close()
    return proc, ready


def stop(proc):
    proc.terminate()
    if proc.wait(timeout=30) != 0:
        sys.exit(f"footprint: the agent exited with {proc.returncode}")


def native(kelu, work):
    mosq_port = free_port()
    conf = os.path.join(work, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {mosq_port} 127.0.0.1\nallow_anonymous true\n")
    broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Start-up against --version, interleaved (a first start, a restart, a --version, again), 15
        # times: single runs on a shared machine spread by a factor of two.
        version_s, version_hwm, ready_s, restart_s = [], [], [], []
        for _ in range(15):
            t = time.monotonic()
            p = subprocess.Popen([kelu, "--version"], stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(p.pid, 0)
            version_s.append(time.monotonic() - t)
            version_hwm.append(usage.ru_maxrss)
            proc, ready = start_agent(kelu, config_file(work, mosq_port, []), work)
            ready_s.append(ready)
            stop(proc)
            proc, ready = start_agent(kelu, config_file(work, mosq_port, [], fresh=False), work)
            restart_s.append(ready)
            stop(proc)
        idle = []
        for _ in range(5):
            proc, _ = start_agent(kelu, config_file(work, mosq_port, [], fresh=False), work)
            time.sleep(10)  # idle: connected, nothing arriving
            idle.append((status_kb(proc.pid, "VmRSS"), status_kb(proc.pid, "RssAnon"), status_kb(proc.pid, "RssFile")))
            idle_libs = mapped_libraries(proc.pid)
            stop(proc)
        camera = [{"id": "door", "url": VIDEO, "loop": True,
                   "lines": [{"name": "entrance", "from": [0, 300], "to": [768, 300]}]}]
        proc, _ = start_agent(kelu, config_file(work, mosq_port, camera), work)
        time.sleep(30)
        cam = (status_kb(proc.pid, "VmRSS"), status_kb(proc.pid, "VmHWM"), status_kb(proc.pid, "RssAnon"))
        camera_libs = mapped_libraries(proc.pid)
        stop(proc)
    finally:
        broker.terminate()
        broker.wait()
    med = statistics.median
    idle_rss = med(i[0] for i in idle)
    print(f"amd64 native: kelu --version {med(version_s) * 1000:.0f} ms wall, peak RSS {med(version_hwm) / 1024:.1f} MB "
          f"(the libraries alone)")
    def spread(runs):
        return f"{len(runs)} runs, {min(runs) * 1000:.0f}-{max(runs) * 1000:.0f}"
    print(f"amd64 native: kelu --version ({spread(version_s)}); first start (no database yet) to READY=1 "
          f"{med(ready_s) * 1000:.0f} ms ({spread(ready_s)}), {med(ready_s) / med(version_s):.2f}x --version")
    print(f"amd64 native: restart (the database there) to READY=1 {med(restart_s) * 1000:.0f} ms "
          f"({spread(restart_s)}), {med(restart_s) / med(version_s):.2f}x --version")
    print(f"amd64 native: idle RSS {idle_rss / 1024:.1f} MB (anon {med(i[1] for i in idle) / 1024:.1f} MB, "
          f"file {med(i[2] for i in idle) / 1024:.1f} MB), {idle_rss / med(version_hwm):.2f}x --version's peak")
    print(f"amd64 native: one camera (sample door video, looped, 30 s): RSS {cam[0] / 1024:.1f} MB, "
          f"peak {cam[1] / 1024:.1f} MB, anon {cam[2] / 1024:.1f} MB, {cam[0] / idle_rss:.2f}x idle")
    print(f"amd64 native: shared objects mapped idle {len(idle_libs)} "
          f"({sum('libopencv' in l for l in idle_libs)} of OpenCV), with a camera {len(camera_libs)} "
          f"({sum('libopencv' in l for l in camera_libs)} of OpenCV)")


def main():
    debs = {}
    for pattern in ("build/deb-amd64/packages/kelu_*_amd64.deb", "build/cross-arm64/packages/kelu_*_arm64.deb",
                    "build/cross-armhf/packages/kelu_*_armhf.deb"):
        for d in glob.glob(os.path.join(ROOT, pattern)):
            debs[d.rsplit("_", 1)[1][:-4]] = d
    if not debs:
        sys.exit("footprint: no packages under build/: scripts/package all")
    if not os.path.exists(VIDEO):
        sys.exit(f"footprint: no {VIDEO}: scripts/fetch-sample-video")
    work = tempfile.mkdtemp(prefix="kelu-footprint.")
    try:
        so = plugin(work)
        print("| arch | package | stripped binary | camera module | --version | config validate | "
              "count, 1 frame (module loaded) | per video frame (kKI) |")
        print("|---|---|---|---|---|---|---|---|")
        binaries = {}
        for arch, deb in sorted(debs.items()):
            root = os.path.join(work, arch)
            run(["dpkg-deb", "-x", deb, root])
            kelu = os.path.join(root, "usr", "bin", "kelu")
            binaries[arch] = kelu
            version = guest_instructions(arch, so, [kelu, "--version"])
            validate = guest_instructions(arch, so, [kelu, "config", "validate", os.path.join(root, "etc/kelu/kelu.json")])
            frames = 50
            count0 = guest_instructions(arch, so, [kelu, "count", "--video", VIDEO, "--line", LINE, "--max-frames", "1"])
            count = guest_instructions(arch, so, [kelu, "count", "--video", VIDEO, "--line", LINE,
                                                  "--max-frames", str(frames + 1)])
            module = os.path.join(root, "usr", "lib", "kelu", "kelu-camera.so")
            print(f"| {arch} | {os.path.getsize(deb) / 1e6:.2f} MB | {os.path.getsize(kelu) / 1e6:.2f} MB | "
                  f"{os.path.getsize(module) / 1e6:.2f} MB | {version / 1e6:.0f} M | {validate / 1e6:.0f} M | "
                  f"{count0 / 1e6:.0f} M | {(count - count0) / frames / 1e3:,.0f} |", flush=True)
        if "amd64" in binaries:
            native(binaries["amd64"], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

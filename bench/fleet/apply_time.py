#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""How long a change from HQ takes to be applied on a running box (docs/BENCHMARKS.md, "Fleet").

    bench/fleet/apply_time.py [KELU_BINARY] [REPS]     # default build/release/cli/kelu, 20

Starts two mosquitto brokers on free loopback ports and one agent with a till listener and one
camera (the sample door video, looped). For each kind of change it publishes a new desired
version REPS times, alternating two values, and times HQ's publish to the box's `applied` answer
on config/reported: a hot key (log.level), a source rebuild (sources.pos_tcp.max_connections), a
camera rebuild (cameras[door].process_fps: the gate waits for the new camera's frames) and a
broker switch (mqtt.uri, answered on the other broker). Beside them, in the same run, what a
change by restart costs: SIGTERM to the restarted agent's birth message. Medians and p99, printed,
never asserted: the machine is shared and noisy.
"""
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VIDEO = os.path.join(ROOT, "build", "data", "vtest.avi")
TOPIC = "kelu/v1/acme/bench-001/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class broker:
    def __init__(self, tmp, name):
        self.port = free_port()
        conf = os.path.join(tmp, name + ".conf")
        with open(conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        self.proc = subprocess.Popen(["mosquitto", "-c", conf], stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.uri = f"tcp://127.0.0.1:{self.port}"
        self.messages = queue.Queue()
        self.sub = subprocess.Popen(["mosquitto_sub", "-p", str(self.port), "-v", "-q", "1", "-t", TOPIC + "config/reported",
                                     "-t", TOPIC + "status"], stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.sub.stdout:
            topic, _, payload = line.partition(" ")
            self.messages.put((time.monotonic(), topic, payload))

    def publish(self, topic, payload):
        subprocess.run(["mosquitto_pub", "-p", str(self.port), "-q", "1", "-r", "-t", topic, "-m", payload], check=True)

    def stop(self):
        self.sub.terminate()
        self.proc.terminate()
        self.proc.wait()


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def wait_for(brokers, pred, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for b in brokers:
            try:
                at, topic, payload = b.messages.get(timeout=0.05)
            except queue.Empty:
                continue
            if pred(topic, json.loads(payload)):
                return at
    raise RuntimeError("no answer within %d s" % timeout)


def percentiles(samples):
    s = sorted(samples)
    return statistics.median(s), s[min(len(s) - 1, int(round(0.99 * (len(s) - 1))))]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "release", "cli", "kelu")
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    tmp = tempfile.mkdtemp(prefix="kelu-apply-")
    a, b = broker(tmp, "a"), broker(tmp, "b")
    till = free_port()
    base = {"store": {"tenant": "acme", "id": "bench-001"}, "storage": {"path": os.path.join(tmp, "kelu.db")},
            "mqtt": {"uri": a.uri, "reconnect_min_ms": 100, "reconnect_max_ms": 1000},
            "sources": {"pos_tcp": {"listen": "127.0.0.1", "port": till}},
            "cameras": [{"id": "door", "url": VIDEO, "loop": True, "process_fps": 5}],
            "dashboard": {"enabled": False}, "log": {"level": "info"}}
    with open(os.path.join(tmp, "kelu.json"), "w") as f:
        json.dump(base, f)
    log = open(os.path.join(tmp, "kelu.log"), "w")
    start = lambda: subprocess.Popen([binary, "run", "-c", os.path.join(tmp, "kelu.json")], stderr=log, stdout=log)
    agent = start()
    online = lambda t, p: t.endswith("status") and p.get("state") == "online"
    wait_for([a], online)
    version, on = 0, a
    results = {}

    def change(name, desired_for, brokers_for_answer):
        nonlocal version, on
        times = []
        for i in range(reps):
            version += 1
            doc, answer_on = desired_for(i)
            sent = time.monotonic()
            on.publish(TOPIC + "config/desired", json.dumps({"version": version, "config": doc}))
            v = version
            at = wait_for(brokers_for_answer(), lambda t, p: t.endswith("config/reported") and p.get("version") == v
                          and p.get("state") in ("applied", "rolled_back", "rejected"))
            times.append((at - sent) * 1000)
            on = answer_on
        results[name] = times

    change("hot key (log.level)", lambda i: ({"log": {"level": ["warn", "info"][i % 2]}}, on), lambda: [on])
    change("source rebuild (sources.pos_tcp)",
           lambda i: ({"sources": {"pos_tcp": {"max_connections": 64 + i % 2}}}, on), lambda: [on])
    change("camera rebuild (cameras[door])",
           lambda i: ({"cameras": [dict(base["cameras"][0], process_fps=6 + i % 2)]}, on), lambda: [on])
    change("broker switch (mqtt.uri)",
           lambda i: ({"mqtt": {"uri": [b, a][i % 2].uri}}, [b, a][i % 2]), lambda: [a, b])
    restarts = []
    for _ in range(max(3, reps // 4)):
        sent = time.monotonic()
        agent.send_signal(signal.SIGTERM)
        agent.wait()
        agent = start()
        restarts.append((wait_for([on], online) - sent) * 1000)
    results["full restart (SIGTERM to birth)"] = restarts
    agent.send_signal(signal.SIGTERM)
    agent.wait()
    a.stop()
    b.stop()
    restart_p50 = percentiles(restarts)[0]
    print(f"{'change':38} {'n':>3} {'p50 ms':>8} {'p99 ms':>8} {'p50 / restart':>14}")
    for name, t in results.items():
        p50, p99 = percentiles(t)
        print(f"{name:38} {len(t):3d} {p50:8.0f} {p99:8.0f} {p50 / restart_p50:14.2f}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()

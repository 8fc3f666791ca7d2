#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""HQ's sink throughput against the limits measured in the same run (docs/BENCHMARKS.md, "HQ sink").

    bench/hq/sink_throughput.py [STORES] [BUILD_DIR] [KELU]   # default 40 stores, build/release, its kelu

A real PostgreSQL (initdb in a temp dir) and mosquitto on free loopback ports. `kelu simulate
--fleet STORES` publishes a busy trading day (the box's own mix: crossings, zone visits, sales,
heat-map tiles, health, then buckets and day reports) while the sink members are away, so the
broker queues it in their persistent sessions; then 1 (and in a second round 2, sharing
$share/hq) `kelu-hq sink` members drain it, timed until PostgreSQL holds every event. Beside it:
COPY of the very same rows into the same partitioned table (the database's limit), and the
broker taking QoS 1 messages from its own client (mosquitto_pub). Stores per member: the sink's
events/s over the busiest store's busiest hour (events/s). Sink memory sampled while it drains.
Printed, never asserted.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STORES = int(sys.argv[1]) if len(sys.argv) > 1 else 40
BUILD = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build", "release")
# The publisher's speed is not measured (it publishes while the sinks are away), so any build does.
KELU = sys.argv[3] if len(sys.argv) > 3 else os.path.join(BUILD, "cli", "kelu")
KELU_HQ = os.path.join(BUILD, "hq", "cli", "kelu-hq")
AS_OWNER = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin():
    found = sorted(d for d in os.listdir("/usr/lib/postgresql") if os.path.isdir(f"/usr/lib/postgresql/{d}/bin"))
    return f"/usr/lib/postgresql/{found[-1]}/bin"


def psql(db, sql):
    done = subprocess.run(["psql", db, "-XAtqc", sql], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"psql: {sql[:100]}: {done.stderr.strip()}")
    return done.stdout.strip()


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pids):
    """CPU seconds (user + system) the processes used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids():
    out = subprocess.run(["pgrep", "-u", "postgres", "postgres"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def start_members(work, broker, db, count):
    members = []
    for i in range(count):
        log = open(os.path.join(work, f"sink-{i}.log"), "a")
        argv = [KELU_HQ, "sink", "--mqtt", broker, "--db", db, "--client-id", f"bench-sink-{i}", "--batch", os.environ.get("KELU_BENCH_BATCH", "1000"),
                "--scan-interval", os.environ.get("KELU_BENCH_SCAN_MS", "1000")]
        if count > 1:
            argv += ["--share-group", "hq"]
        members.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))
    for i in range(count):
        path = os.path.join(work, f"sink-{i}.log")
        for _ in range(300):
            with open(path) as f:
                if f.read().count("filing") >= 1:
                    break
            time.sleep(0.05)
    return members


def stop(members):
    for p in members:
        p.terminate()
        p.wait(30)


def round_trip(work, broker, db, members_count, day, broker_pid, profile):
    """Sessions made, the day queued while the members are away, then the drain timed."""
    stop(start_members(work, broker, db, members_count))
    psql(db, "TRUNCATE events, aggregates, aggregate_revisions, store_status, streams, store_epochs")
    if profile:
        psql(db, "SELECT pg_stat_statements_reset()")
    t0 = time.monotonic()
    out = subprocess.run([KELU, "simulate", "--fleet", str(STORES), "--mqtt", broker, "--tenant", "bench", "--day", day,
                          "--redeliver", "0", "--connections", "4"], check=True, capture_output=True, text=True).stdout
    published = time.monotonic() - t0
    events = int(re.search(r"\((\d+) events", out).group(1))
    messages = int(re.search(r": (\d+) messages", out).group(1))
    # Counting the rows while they arrive would cost PostgreSQL more than the sink does (a scan that
    # sets every new row's hint bits), so progress is read from the statistics (inserts, which lag
    # by up to a second) and the end of the drain from the rows' own commit times
    # (track_commit_timestamp), checked once by a count.
    inserted = "SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables WHERE relname LIKE 'events_p%'"
    before = int(psql(db, inserted))
    pg_before = cpu_s(postgres_pids())
    broker_before = cpu_s([broker_pid])
    started = psql(db, "SELECT now()")
    members = start_members(work, broker, db, members_count)
    samples = []
    while int(psql(db, inserted)) - before < events:
        samples.append(sum(rss_kb(p.pid) for p in members))
        time.sleep(0.2)
    samples.append(sum(rss_kb(p.pid) for p in members))
    cpu = (cpu_s([p.pid for p in members]), cpu_s(postgres_pids()) - pg_before, cpu_s([broker_pid]) - broker_before)
    while int(psql(db, "SELECT count(*) FROM events")) < events:
        time.sleep(0.2)
    drained = float(psql(db, "SELECT extract(epoch FROM max(pg_xact_commit_timestamp(xmin)) - "
                             f"'{started}'::timestamptz) FROM events"))
    stop(members)
    batches = 0
    for i in range(members_count):
        with open(os.path.join(work, f"sink-{i}.log")) as f:
            found = re.findall(r"stopped: \d+ messages in (\d+) batches", f.read())
        batches += int(found[-1]) if found else 0
    return events, messages, published, drained, samples, cpu, batches


def main():
    for exe in (KELU, KELU_HQ):
        if not os.path.exists(exe):
            sys.exit(f"{exe} is missing: cmake --build --preset release --target kelu kelu-hq")
    work = tempfile.mkdtemp(prefix="kelu-sink-bench.")
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
    pg_port, mqtt_port = free_port(), free_port()
    subprocess.run(AS_OWNER + [f"{pg_bin()}/initdb", "-D", f"{work}/pg", "-U", "postgres", "--auth=trust"], check=True,
                   capture_output=True)
    # KELU_BENCH_STATEMENTS=1: where PostgreSQL's time goes, per statement (pg_stat_statements).
    profile = os.environ.get("KELU_BENCH_STATEMENTS") == "1"
    extra = " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" if profile else ""
    subprocess.run(AS_OWNER + [f"{pg_bin()}/pg_ctl", "-D", f"{work}/pg", "-w", "-l", f"{work}/pg.log", "-o",
                               f"-p {pg_port} -k {work} -c listen_addresses=127.0.0.1 -c track_commit_timestamp=on{extra}", "start"], check=True,
                   capture_output=True)
    with open(f"{work}/mosquitto.conf", "w") as f:
        f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 4000\n"
                "max_queued_messages 0\nmax_queued_bytes 0\n")
    broker_proc = subprocess.Popen(["mosquitto", "-c", f"{work}/mosquitto.conf"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    broker, db = f"tcp://127.0.0.1:{mqtt_port}", f"host=127.0.0.1 port={pg_port} dbname=postgres user=postgres"
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    try:
        results = {}
        if profile:
            psql(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for n in [int(m) for m in os.environ.get("KELU_BENCH_MEMBERS", "1,2").split(",")]:
            results[n] = round_trip(work, broker, db, n, day, broker_proc.pid, profile)
            ev, _, _, drained, samples, _, _ = results[n]
            # Now, so a later failure does not lose it.
            print(f"{n} member(s) drained {ev} events in {drained:.1f} s; RSS samples (MB): "
                  f"{' '.join(str(x // 1024) for x in samples[::max(1, len(samples) // 20)])}", flush=True)
            if profile and n == 1:
                print(psql(db, "SELECT round(total_exec_time)::text || ' ms ' || calls || ' calls: ' || "
                               "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements "
                               "ORDER BY total_exec_time DESC LIMIT 12"))
        events = next(iter(results.values()))[0]
        # The database's limit: the same rows by COPY into the same partitioned, indexed table.
        cols = "tenant, store, epoch, source, seq, stream, type, observed_at, received_at, historical, body"
        rows = f"{work}/events.copy"
        if os.geteuid() == 0:
            shutil.chown(work, "root")
        psql(db, f"\\copy (SELECT {cols} FROM events) TO '{rows}'")
        psql(db, "TRUNCATE events")
        t0 = time.monotonic()
        psql(db, f"\\copy events ({cols}) FROM '{rows}'")
        copy_s = time.monotonic() - t0
        # What the sink's statement could reach at best: the same rows staged by COPY, then one
        # INSERT ... SELECT ... ON CONFLICT DO NOTHING (the exactly-once insert) into the same table.
        psql(db, "TRUNCATE events")
        t0 = time.monotonic()
        subprocess.run(["psql", db, "-Xq"], input=f"CREATE TEMP TABLE stage AS SELECT {cols} FROM events WITH NO DATA;\n"
                       f"\\copy stage FROM '{rows}'\n"
                       f"INSERT INTO events ({cols}) SELECT {cols} FROM stage ON CONFLICT DO NOTHING;\n",
                       text=True, check=True, capture_output=True)
        staged_s = time.monotonic() - t0
        peak = psql(db, "SELECT max(n) FROM (SELECT count(*) n FROM events GROUP BY store, "
                        "date_trunc('hour', observed_at)) x")
        # The broker's own limit: QoS 1 from its client, the sim's payload size.
        avg = int(psql(db, "SELECT avg(length(body::text))::int FROM events"))
        lines = f"{work}/lines"
        with open(lines, "w") as f:
            payload = "x" * avg
            for _ in range(100000):
                f.write(payload + "\n")
        t0 = time.monotonic()
        subprocess.run(["mosquitto_pub", "-p", str(mqtt_port), "-q", "1", "-t", "bench/broker", "-l"],
                       stdin=open(lines), check=True)
        broker_s = time.monotonic() - t0
        copy_rate = events / copy_s
        peak_rate = int(peak) / 3600
        print(f"machine: {os.cpu_count()} cores; {STORES} stores, one busy day each: {events} events "
              f"({events // STORES} a store), busiest store-hour {peak} events ({peak_rate:.2f}/s)")
        print(f"COPY of the same rows: {copy_rate:,.0f} rows/s; COPY to a stage then INSERT ... ON CONFLICT DO NOTHING: "
              f"{events / staged_s:,.0f} rows/s ({events / staged_s / copy_rate:.2f} of COPY); broker (mosquitto_pub, QoS 1, {avg} B): "
              f"{100000 / broker_s:,.0f} msg/s")
        for n, (ev, msgs, published, drained, samples, cpu, batches) in results.items():
            rate = ev / drained
            print(f"{n} member{'s' if n > 1 else ''}: {rate:,.0f} events/s ({msgs / drained:,.0f} messages/s), "
                  f"{rate / copy_rate:.2f} of COPY; drained {ev} events in {drained:.1f} s "
                  f"(published in {published:.1f} s); {rate / peak_rate / n:,.0f} stores per member at the peak hour; "
                  f"RSS {samples[0] // 1024}..{max(samples) // 1024} MB, last {samples[-1] // 1024} MB; CPU: sink "
                  f"{cpu[0]:.1f} s, PostgreSQL {cpu[1]:.1f} s, broker {cpu[2]:.1f} s; {batches} batches "
                  f"({msgs / max(batches, 1):.0f} messages each)")
    finally:
        broker_proc.terminate()
        subprocess.run(AS_OWNER + [f"{pg_bin()}/pg_ctl", "-D", f"{work}/pg", "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validates captured MQTT payloads against docs/schemas with Debian's python3-jsonschema.

usage: schemas_check.py [--as-consumer] SCHEMA_DIR MANIFEST
MANIFEST has one line per message: topic<TAB>file holding the payload.
Prints each failure with the topic and the schema's reason; exits 1 on any failure.

--as-consumer reads the schemas as an HQ consumer following the contract's compatibility rule
(docs/mqtt.md, "Versions"): a field it does not know is ignored, so every
"additionalProperties": false is dropped. With an older release's schemas this checks that a
newer box only added fields: none renamed, retyped or removed.
"""
import json
import sys
from pathlib import Path

import jsonschema

ROUTES = [  # topic suffix -> schema
    ("/status", "status"),
    ("/stats", "event"),
    ("/reply/replay", "replay-reply"),
    ("/cmd/replay", "replay-request"),
    ("/live", "analytics"),
    ("/alerts", "alert"),
    ("/config/reported", "config-reported"),
    ("/config/changes", "config-change"),
    ("/software/reported", "software-reported"),
    ("/software/desired", "software-desired"),
]


def schema_for(topic):
    if "/events/" in topic:
        return "event"
    if "/metrics/" in topic:
        return "analytics"
    for suffix, name in ROUTES:
        if topic.endswith(suffix):
            return name
    return None


def ignoring_unknown(node):
    if isinstance(node, dict):
        return {k: ignoring_unknown(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [ignoring_unknown(v) for v in node]
    return node


def main():
    args = sys.argv[1:]
    as_consumer = args[:1] == ["--as-consumer"]
    if as_consumer:
        args = args[1:]
    schema_dir, manifest = Path(args[0]), Path(args[1])
    validators = {}
    for path in schema_dir.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        if as_consumer:
            schema = ignoring_unknown(schema)
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[path.name[: -len(".schema.json")]] = jsonschema.Draft202012Validator(schema)
    failures, counts = 0, {}
    for line in manifest.read_text().splitlines():
        topic, file = line.split("\t")
        name = schema_for(topic)
        if name is None:
            print(f"no schema for topic {topic}")
            failures += 1
            continue
        if name not in validators:
            if as_consumer:  # a topic this release of the consumer does not know: ignored, as docs/mqtt.md says
                counts[f"{name} (unknown, ignored)"] = counts.get(f"{name} (unknown, ignored)", 0) + 1
                continue
            print(f"{topic}: no {name}.schema.json in {schema_dir}")
            failures += 1
            continue
        payload = json.loads(Path(file).read_text())
        for error in validators[name].iter_errors(payload):
            path = "/".join(str(p) for p in error.absolute_path)
            print(f"{topic}: {name}.schema.json at /{path}: {error.message}")
            failures += 1
        counts[name] = counts.get(name, 0) + 1
    print("validated", ", ".join(f"{n} {k}" for k, n in sorted(counts.items())), f"; {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

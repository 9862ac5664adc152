#!/usr/bin/env python3
"""Follow a Qrew run from Python, using only docs/protocol.md and redis-py.

Replays the run's progress stream from the start (or from --after ID), then follows it live
until the run finishes. Exit status: 0 if the run succeeded, 1 if it failed or was canceled,
2 on usage errors or an unknown run.

    pip install redis
    python3 examples/clients/follow.py RUN_ID [--redis redis://127.0.0.1:6379/0] [--namespace qrew]
"""
import argparse
import json
import os
import sys

import redis


def events_of(fields):
    """The events a stream entry holds: the entry itself, or a `batch` entry's events (the events
    one script call wrote: JSON field lists [name, value, name, value, ...], and groups of events
    that share fields, {"fields": [...], "each": {name: [value per event, "" for none]}})."""
    if fields.get("type") != "batch":
        return [fields]
    events = []
    for event in json.loads(fields["events"]):
        if isinstance(event, list):
            events.append(dict(zip(event[::2], event[1::2])))
            continue
        shared = dict(zip(event["fields"][::2], event["fields"][1::2]))
        columns = event["each"]
        for i in range(len(next(iter(columns.values()), []))):
            events.append({**shared, **{name: values[i] for name, values in columns.items() if values[i]}})
    return events


def output_lines(fields):
    """The task output an event carries: an `output` event's lines, or the last lines a
    task_finished / task_retrying event brings along in its stdout and stderr fields."""
    if fields.get("type") == "output":
        return fields.get("lines", "").split("\n")
    if fields.get("type") in ("task_finished", "task_retrying"):
        return [line for name in ("stdout", "stderr") if name in fields for line in fields[name].split("\n")]
    return []


def describe(fields):
    kind = fields.get("type", "?")
    task = fields.get("task", "")
    lines = [f"{task} | {line}" for line in output_lines(fields)]
    if kind == "output":
        return "\n".join(lines)
    return "\n".join(lines + [summary(kind, task, fields)])


def summary(kind, task, fields):
    if kind == "task_started":
        return f"started   {task} on {fields.get('worker')} (attempt {fields.get('attempt')})"
    if kind == "task_finished":
        error = f": {fields['error']}" if fields.get("error") else ""
        return f"{fields.get('state', '?'):9} {task}{error}"
    if kind == "task_retrying":
        return f"retrying  {task} after {fields.get('outcome')} (attempt {fields.get('attempt')})"
    if kind == "run_finished":
        return f"run {fields.get('run')} {fields.get('state')}"
    return f"{kind} {task}".strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--redis", default=os.environ.get("QREW_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--namespace", default=os.environ.get("QREW_NAMESPACE", "qrew"))
    parser.add_argument("--after", default="0", help="stream id to resume after (default: the start)")
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds")
    args = parser.parse_args()

    client = redis.Redis.from_url(args.redis, decode_responses=True)
    run_key = f"{args.namespace}:run:{args.run}"
    stream = f"{run_key}:events"
    if not client.exists(run_key):
        print(f"unknown run {args.run!r} in namespace {args.namespace!r}", file=sys.stderr)
        return 2

    last_id = args.after
    waited = 0.0
    while waited < args.timeout:
        # XREAD with BLOCK returns at once when entries exist after last_id: the first calls
        # replay the history, later ones wait for new events.
        reply = client.xread({stream: last_id}, count=1000, block=1000)
        if not reply:
            waited += 1.0
            if client.hget(run_key, "finishedAt") is not None and not client.xread({stream: last_id}, count=1):
                break
            continue
        for entry_id, entry in reply[0][1]:
            last_id = entry_id
            for fields in events_of(entry):
                print(describe(fields), flush=True)
                if fields.get("type") == "run_finished":
                    return 0 if fields.get("state") == "succeeded" else 1
    state = client.hget(run_key, "state")
    print(f"run {args.run} is {state}", file=sys.stderr)
    return 0 if state == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())

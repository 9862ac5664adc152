#!/usr/bin/env python3
"""Checks one run of make compose-check (scripts/compose-check.sh) the way the chaos suite's
RunVerifier checks its shell tasks, from three independent records: the run and task hashes in
Redis, the run's progress stream, and the side-effect lines the tasks appended
(`<run> <task> <attempt> <start|end> <ms>`, the chaos suite's format).

- not succeeded: the run, or one of its tasks, did not end `succeeded`;
- lost: fewer tasks than planned, or a task recorded `succeeded` whose recorded attempt never
  wrote its `end` line;
- doubled: more tasks than planned, more than one `task_finished ... succeeded` event for a task,
  a recorded output naming another attempt than the recorded one (a stale result accepted), or a
  malformed side-effect line (a torn write).

Prints one line per problem (at most 20) and a summary; exits 1 when there is a problem.
Needs redis-py (`pip install redis`).
"""
import argparse
import sys

import redis


def side_effects(path, run_id):
    """task -> {"starts": {attempt: count}, "ends": {attempt: count}}, and malformed lines."""
    tasks, malformed = {}, []
    with open(path, encoding="utf-8") as handle:
        for line in handle.read().splitlines():
            fields = line.split(" ")
            if len(fields) != 5 or fields[3] not in ("start", "end") \
                    or not fields[2].isdigit() or not fields[4].isdigit():
                malformed.append(line)
                continue
            if fields[0] != run_id:
                continue
            phase = "starts" if fields[3] == "start" else "ends"
            attempts = tasks.setdefault(fields[1], {"starts": {}, "ends": {}})[phase]
            attempts[int(fields[2])] = attempts.get(int(fields[2]), 0) + 1
    return tasks, malformed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", required=True, help="redis://:password@host:port/db")
    parser.add_argument("--namespace", default="qrew")
    parser.add_argument("--run", required=True, help="run id")
    parser.add_argument("--effects", required=True, help="the side-effect file")
    parser.add_argument("--tasks", type=int, required=True, help="tasks the run was planned with")
    args = parser.parse_args()

    client = redis.Redis.from_url(args.redis, decode_responses=True)
    prefix = f"{args.namespace}:"
    run = client.hgetall(f"{prefix}run:{args.run}")
    problems = []
    if not run:
        print(f"compose-check-verify: run {args.run} is unknown to Redis")
        return 1
    if run.get("state") != "succeeded":
        problems.append(f"not succeeded: run state {run.get('state')} (pending {run.get('pending')})")

    task_ids = client.lrange(f"{prefix}run:{args.run}:tasks", 0, -1)
    if len(task_ids) != args.tasks:
        kind = "doubled" if len(task_ids) > args.tasks else "lost"
        problems.append(f"{kind}: {len(task_ids)} stored task(s), planned {args.tasks}")

    successes = {}
    for _, fields in client.xrange(f"{prefix}run:{args.run}:events"):
        if fields.get("type") == "task_finished" and fields.get("state") == "succeeded":
            successes.setdefault(fields.get("task"), []).append(fields.get("attempt"))

    effects, malformed = side_effects(args.effects, args.run)
    pipeline = client.pipeline(transaction=False)
    for task_id in task_ids:
        pipeline.hgetall(f"{prefix}task:{args.run}/{task_id}")
    reexecuted = 0
    for task_id, task in zip(task_ids, pipeline.execute()):
        state, attempt = task.get("state"), task.get("attempt", "")
        if state != "succeeded":
            problems.append(f"not succeeded: task {task_id} is {state} (attempt {attempt}, error {task.get('error')})")
            continue
        recorded = int(attempt) if attempt.isdigit() else -1
        lines = effects.get(task_id, {"starts": {}, "ends": {}})
        if lines["ends"].get(recorded, 0) == 0:
            problems.append(f"lost: task {task_id} recorded succeeded with attempt {recorded} that never wrote `end` "
                            f"(starts {sorted(lines['starts'])}, ends {sorted(lines['ends'])})")
        if sum(lines["starts"].values()) > 1:
            reexecuted += 1
        expected = f"{args.run} {task_id} {recorded}"
        if task.get("output") != expected:
            problems.append(f"doubled: task {task_id} recorded output {task.get('output')!r}, expected {expected!r}")
        if len(successes.get(task_id, [])) > 1:
            problems.append(f"doubled: task {task_id} has {len(successes[task_id])} task_finished succeeded events "
                            f"(attempts {successes[task_id]})")
    for line in malformed[:3]:
        problems.append(f"doubled: malformed side-effect line (torn write?): {line!r}")

    for problem in problems[:20]:
        print(f"compose-check-verify: {problem}")
    if len(problems) > 20:
        print(f"compose-check-verify: ... and {len(problems) - 20} more")
    print(f"compose-check-verify: run {args.run}: {run.get('state')}, {len(task_ids)} task(s), "
          f"{reexecuted} re-executed (attempts cut short by a kill), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

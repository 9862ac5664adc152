#!/usr/bin/env python3
"""Exact Redis cost of Qrew's hot scripts, in instructions per task (`make lua-cost`).

Timing on a shared VM moves 10-20% within minutes, so a change worth a few percent of Redis time
cannot be seen by timing it. This runs a private redis-server under valgrind's callgrind, stores
runs through a real coordinator (from --release-bin), stops the coordinator (SIGSTOP), and counts
the instructions Redis executes for a fixed sequence of calls, the way the workers make them:

  store         storing a 10,000-task matrix (submit_run + store_tasks; the coordinator is awake,
                so its own loops add a little: within about 2%)
  claim         claiming that matrix 128 tasks a call (figure (a)'s claims)
  complete      completing them 128 a call (figure (a)'s results)
  dag cycle     one worker on a 10,000-step random DAG (each step depends on ~2 of the 50 before
                it): complete the held tasks asking for as many successors, claiming more when
                fewer than 12 are held, up to 24 (figure (h)'s calls carry ~16 results); ready
                tasks wait in the queue, so the dependents a call releases are mostly queued
  dag cycle, nothing left queued
                the same with a worker that claims everything ready (up to 512 held when it
                holds fewer than 256), as in figure (h), where ~44 tasks are ready at a time for
                256 slots: a call's successors are mostly the dependents it released itself

The claim and complete scripts are the release's own (its Scripts resources, includes inlined as
ScriptLibrary does). The counts repeat within 0.2% run to run; compare two builds by running
this once with each. Needs valgrind and redis-py; takes a few minutes (Redis runs ~50x slower).
"""

import argparse
import glob
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import redis

from callgrind_support import callgrind_total, free_port

NAMESPACE = "lc"
TASKS = 10_000



def inline(path, scripts):
    """The script at `path` with each `--@include name` line replaced by lib/name.lua, recursively."""
    lines = []
    for line in open(path, encoding="utf-8").read().split("\n"):
        if line.startswith("--@include "):
            lines.append(inline(os.path.join(scripts, "lib", line[len("--@include "):].strip() + ".lua"), scripts))
        else:
            lines.append(line)
    return "\n".join(lines)


def matrix_yaml(path):
    values = ", ".join(str(i) for i in range(250))
    steps = "".join(f"  - id: part{p}\n    type: echo\n    matrix: {{ i: [{values}] }}\n" for p in range(TASKS // 250))
    open(path, "w").write("name: lua-cost-matrix\nsteps:\n" + steps)


def dag_yaml(path):
    rng = random.Random(1)
    lines = ["name: lua-cost-dag", "steps:", "  - { id: s0, type: echo, with: { message: x } }"]
    for i in range(1, TASKS):
        deps = sorted({f"s{rng.randrange(max(0, i - 50), i)}" for _ in range(2)})
        lines.append(f"  - {{ id: s{i}, type: echo, with: {{ message: x }}, dependsOn: [{', '.join(deps)}] }}")
    open(path, "w").write("\n".join(lines) + "\n")


class Callgrind:
    """redis-server under callgrind; `zero()` and `count()` bracket what is measured."""

    def __init__(self, redis_server, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={workdir}/cg.out.%p", "--dump-instr=no",
             redis_server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis.Redis(port=self.port)
        deadline = time.time() + 60
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.time() > deadline or self.process.poll() is not None:
                    sys.exit("lua-cost: redis-server did not start under valgrind")
                time.sleep(0.2)

    def zero(self):
        subprocess.run(["callgrind_control", "-z", str(self.process.pid)], capture_output=True, check=True)

    def count(self):
        """Instructions since the last `zero()`."""
        before = set(glob.glob(f"{self.workdir}/cg.out.*"))
        subprocess.run(["callgrind_control", "-d", str(self.process.pid)], capture_output=True, check=True)
        dumped = sorted(set(glob.glob(f"{self.workdir}/cg.out.*")) - before, key=os.path.getmtime)[-1]
        total = callgrind_total(dumped)
        os.remove(dumped)
        return total

    def stop(self):
        try:
            self.client.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        self.process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--release-bin", default=".build/release", help="qctl, qrew-coordinator and the Scripts resources")
    parser.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    args = parser.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        sys.exit("lua-cost: needs valgrind (apt-get install valgrind)")
    bin_dir = os.path.abspath(args.release_bin)
    scripts = os.path.join(bin_dir, "Qrew_QrewQueue.resources", "Scripts")
    workdir = tempfile.mkdtemp(prefix="lua-cost-")
    for needed in (f"{bin_dir}/qrew-coordinator", f"{bin_dir}/qctl", os.path.join(scripts, "claim.lua")):
        if not os.path.exists(needed):
            sys.exit(f"lua-cost: {needed} not found; build it with `make release` or pass --release-bin")
    claim_text = inline(os.path.join(scripts, "claim.lua"), scripts)
    complete_text = inline(os.path.join(scripts, "complete.lua"), scripts)
    server = Callgrind(args.redis_server, workdir)
    url = f"redis://127.0.0.1:{server.port}"
    try:
        coordinator = subprocess.Popen(
            [f"{bin_dir}/qrew-coordinator", "--redis", url, "--namespace", NAMESPACE, "--max-workflow-bytes", "100000000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    r = server.client
    common = [NAMESPACE, "0", "10000"]
    results = []

    def submit(path, expected):
        run = subprocess.run([f"{bin_dir}/qctl", "submit", path, "--redis", url, "--namespace", NAMESPACE],
                             capture_output=True, text=True, check=True).stdout.strip()
        while r.llen(f"{NAMESPACE}:run:{run}:tasks") < expected:
            time.sleep(0.5)
        return run

    def claim_up_to(n):
        out = r.evalsha(claim, 0, *common, "w1", "30000", str(n), "default")
        return [(out[i], out[i + 1]) for i in range(0, len(out), 9)]

    def complete_args(held):
        flat = []
        for ref, token in held:
            flat += [ref, token, "succeeded", "0", "x", "", "", "", "", ""]
        return flat

    try:
        claim = r.script_load(claim_text)
        complete = r.script_load(complete_text)
        while not r.get(f"{NAMESPACE}:leader"):
            time.sleep(0.2)
        matrix, dag = f"{workdir}/matrix.yaml", f"{workdir}/dag.yaml"
        matrix_yaml(matrix)
        dag_yaml(dag)

        server.zero()
        submit(matrix, TASKS)
        results.append(("store (10,000-task matrix)", server.count() / TASKS))

        coordinator.send_signal(signal.SIGSTOP)
        server.zero()
        claimed = []
        while True:
            batch = claim_up_to(128)
            claimed += batch
            if len(batch) < 128:
                break
        results.append(("claim (128 a call)", server.count() / len(claimed)))
        server.zero()
        for first in range(0, len(claimed), 128):
            r.evalsha(complete, 0, *common, "w1", "30000", "0", "1", "default", *complete_args(claimed[first:first + 128]))
        results.append(("complete (128 a call)", server.count() / len(claimed)))
        coordinator.send_signal(signal.SIGCONT)

        def dag_cycle(low, most):
            """One worker through the DAG: completes what it holds asking for as many successors,
            claiming up to `most` held when it holds fewer than `low`; instructions per task."""
            submit(dag, TASKS)
            coordinator.send_signal(signal.SIGSTOP)
            server.zero()
            held, done = [], 0
            while True:
                if len(held) < low:
                    held += claim_up_to(most - len(held))
                    if not held:
                        break
                reply = r.evalsha(complete, 0, *common, "w1", "30000", str(len(held)), "1", "default",
                                  *complete_args(held))
                done += len(held)
                successors = reply[-1] if len(reply) > len(held) else []
                held = [(successors[i], successors[i + 1]) for i in range(0, len(successors), 9)]
            count = server.count() / done
            coordinator.send_signal(signal.SIGCONT)
            return count

        results.append(("dag cycle (claim + complete with successors)", dag_cycle(12, 24)))
        results.append(("dag cycle, nothing left queued", dag_cycle(256, 512)))
    finally:
        coordinator.send_signal(signal.SIGCONT)
        coordinator.terminate()
        coordinator.wait(timeout=30)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"Redis instructions per task ({bin_dir}, callgrind):")
    for name, value in results:
        print(f"  {name:46s} {value:10,.0f}")


if __name__ == "__main__":
    main()

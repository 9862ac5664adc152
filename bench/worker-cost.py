#!/usr/bin/env python3
"""Exact CPU cost of a worker per no-op task, in instructions (`make worker-cost`).

Timing a worker's CPU on a shared VM moves 10-20% within minutes, so a change worth a few percent
of it cannot be seen by timing it. This runs a private redis-server and a coordinator of the
build (--release-bin), and one qrew-worker of the build (128 slots) under valgrind's callgrind,
then counts the instructions the worker executes for one run of a 10,000-task matrix of `echo`
steps submitted with `qctl submit --wait` (after one such run to warm it up): claiming, decoding
and checking specs, running, recording results, metrics, crash attribution, its Redis client.

The worker's binary is copied without its debug sections (valgrind cannot read them), symbols
kept. The counts repeat within about 0.3% run to run (its idle Redis threads spin a little, and
that depends on timing); compare two builds by running this once with each. With --keep DIR the
callgrind file is left there for `callgrind_annotate`. Needs valgrind and redis-py; takes a
minute or two.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

import redis

from callgrind_support import callgrind_total, free_port

NAMESPACE = "wc"
STEPS, PER_STEP = 40, 250


def workflow_text():
    values = ", ".join(str(i) for i in range(PER_STEP))
    steps = "".join(
        f"  - id: part{n}\n    matrix: {{ i: [{values}] }}\n    type: echo\n    with: {{ message: \"${{{{ matrix.i }}}}\" }}\n"
        for n in range(STEPS))
    return f"name: worker-cost\nsteps:\n{steps}"


def wait_for(condition, what, seconds=120):
    deadline = time.time() + seconds
    while not condition():
        if time.time() > deadline:
            sys.exit(f"worker-cost: timed out waiting for {what}")
        time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--release-bin", default=".build/release", help="qctl, qrew-coordinator, qrew-worker and qrew-supervise")
    parser.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    parser.add_argument("--keep", help="a directory to leave the callgrind file in")
    args = parser.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        sys.exit("worker-cost: needs valgrind (apt-get install valgrind)")
    bin_dir = os.path.abspath(args.release_bin)
    for tool in ("qctl", "qrew-coordinator", "qrew-worker", "qrew-supervise"):
        if not os.path.exists(f"{bin_dir}/{tool}"):
            sys.exit(f"worker-cost: {bin_dir}/{tool} not found; build it with `make release` or pass --release-bin")
    workdir = tempfile.mkdtemp(prefix="worker-cost-")
    worker_bin = f"{workdir}/qrew-worker"
    subprocess.run(["strip", "--strip-debug", "-o", worker_bin, f"{bin_dir}/qrew-worker"], check=True)
    flow = f"{workdir}/matrix.yaml"
    with open(flow, "w") as f:
        f.write(workflow_text())
    tasks = STEPS * PER_STEP

    port = free_port()
    url = f"redis://127.0.0.1:{port}"
    processes = []
    try:
        processes.append(subprocess.Popen(
            [args.redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        r = redis.Redis(port=port)

        def redis_up():
            try:
                return r.ping()
            except redis.ConnectionError:
                return False
        wait_for(redis_up, "redis-server")
        processes.append(subprocess.Popen(
            [f"{bin_dir}/qrew-coordinator", "--redis", url, "--namespace", NAMESPACE],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        worker = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={workdir}/cg.out", "--dump-instr=no",
             worker_bin, "--redis", url, "--namespace", NAMESPACE, "--name", "w1", "--concurrency", "128"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "QREW_SUPERVISE": f"{bin_dir}/qrew-supervise"})
        processes.append(worker)
        wait_for(lambda: r.zcard(f"{NAMESPACE}:workers") > 0, "the worker under valgrind to start")

        def run_once():
            subprocess.run([f"{bin_dir}/qctl", "submit", flow, "--wait", "--redis", url, "--namespace", NAMESPACE],
                           capture_output=True, check=True, timeout=600)
        run_once()
        subprocess.run(["callgrind_control", "-z", str(worker.pid)], capture_output=True, check=True)
        run_once()
        subprocess.run(["callgrind_control", "-d", str(worker.pid)], capture_output=True, check=True)
        wait_for(lambda: glob.glob(f"{workdir}/cg.out.*"), "the callgrind dump", 30)
        dumped = sorted(glob.glob(f"{workdir}/cg.out.*"), key=os.path.getmtime)[-1]
        total = callgrind_total(dumped)
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            shutil.copy(dumped, os.path.join(args.keep, "worker-cost.callgrind"))
        print(f"Worker instructions per task ({bin_dir}, callgrind):")
        print(f"  {tasks:,}-task matrix of echo steps, 128 slots    {total // tasks:>9,}")
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measures Celery, Dramatiq and huey the way qrew-bench measures Qrew, on the same machine and
the same redis-server, so `make bench` compares them in one run:

  (a) N no-op tasks submitted one by one: tasks per second from the first submission to the
      last completion (each task counts itself in Redis, as a Qrew task records its result);
  (b) single-task latency, one after another: submit to result, p50 and p99, as a client
      waiting on the result backend sees it;
  (d) a chain of M steps (Celery `chain`, Dramatiq `pipeline`, huey `.then`): time per step;
  (q) submit N tasks and wait for all from a fresh client process, the way `qctl submit --wait`
      is timed: wall time from starting the client (interpreter, imports, connection) to its exit.

Each framework gets its own Redis database, workers started fresh (`--processes` worker
processes, the frameworks' usual setup for a machine of that many cores) and a warm-up.
Prints one JSON object per figure on stdout ({"name", "value", "unit", "note", "peer", "key"}:
"key" is the figure qrew-bench compares it with, "peer" the framework; or {"name", "skipped"}
when a framework could not be measured); progress goes to stderr.

Usage: peers.py --redis redis://127.0.0.1:PORT [--tasks 10000] [--runs 200] [--chain 200]
                [--only celery,dramatiq,huey]
"""
import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))


def say(message):
    print(f"peers: {message}", file=sys.stderr, flush=True)


def emit(peer, key, name, value, unit, note):
    """One figure of `peer` (its label) comparable with qrew-bench's figure `key`."""
    print(json.dumps({"name": name, "value": value, "unit": unit, "note": note, "peer": peer, "key": key}), flush=True)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def with_database(url, db):
    """The Redis URL with its database number replaced by `db`."""
    base = url.rstrip("/")
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{db}"


class Celery:
    """Celery with a Redis broker and result backend; prefork workers."""

    label = "Celery"
    module_name = "celery_app"

    def __init__(self, module):
        import celery

        self.module = module
        self.chain = celery.chain
        self.version = celery.__version__

    def worker_argv(self, processes):
        return [sys.executable, "-m", "celery", "-A", self.module_name, "worker", "--pool", "prefork",
                "--concurrency", str(processes), "--loglevel", "WARNING",
                "--without-gossip", "--without-mingle", "--without-heartbeat"]

    def submit_count(self):
        self.module.count.delay()

    def echo(self, value, timeout):
        return self.module.echo.delay(value).get(timeout=timeout)

    def run_chain(self, steps, timeout):
        return self.chain(*[self.module.echo.si(i) for i in range(steps)]).apply_async().get(timeout=timeout)


class Dramatiq:
    """Dramatiq with a Redis broker and the Results middleware; worker processes with threads."""

    label = "Dramatiq"
    module_name = "dramatiq_app"

    def __init__(self, module):
        import dramatiq

        self.module = module
        self.pipeline = dramatiq.pipeline
        self.version = dramatiq.__version__

    def worker_argv(self, processes):
        return [sys.executable, "-m", "dramatiq", self.module_name, "--processes", str(processes), "--threads", "8"]

    def submit_count(self):
        self.module.count.send()

    def echo(self, value, timeout):
        return self.module.echo.send(value).get_result(block=True, timeout=int(timeout * 1000))

    def run_chain(self, steps, timeout):
        messages = [self.module.echo.message_with_options(args=(i,), pipe_ignore=True) for i in range(steps)]
        pipe = self.pipeline(messages).run()
        return pipe.get_result(block=True, timeout=int(timeout * 1000))


class Huey:
    """huey with its Redis storage (results notified, so waiting on one blocks in Redis instead
    of polling); a consumer of worker threads."""

    label = "huey"
    module_name = "huey_app"

    def __init__(self, module):
        import huey

        self.module = module
        self.version = huey.__version__

    def worker_argv(self, processes):
        return [sys.executable, "-m", "huey.bin.huey_consumer", f"{self.module_name}.huey",
                "--workers", str(processes * 4), "--worker-type", "thread", "--quiet"]

    def submit_count(self):
        self.module.count()

    def echo(self, value, timeout):
        return self.module.echo(value).get(blocking=True, timeout=timeout)

    def run_chain(self, steps, timeout):
        pipe = self.module.echo.s(0)
        for _ in range(1, steps):
            pipe = pipe.then(self.module.echo)
        results = self.module.huey.enqueue(pipe)
        return results.get(blocking=True, timeout=timeout)


PEERS = {"celery": (Celery, 1), "dramatiq": (Dramatiq, 2), "huey": (Huey, 3)}


def start_workers(argv, env, log_path):
    log = open(log_path, "wb")
    return subprocess.Popen(argv, cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_workers(process):
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_until_ready(peer, deadline_seconds=60):
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            if peer.echo("ready", timeout=2) == "ready":
                return
        except Exception as error:  # the workers are still starting
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers not ready after {deadline_seconds}s: {error}") from error


def submit_and_wait(peer_key, url, tasks):
    """The client of figure (q), run in a fresh interpreter: submits `tasks` counted no-ops one
    by one and returns once the workers counted them all."""
    peer_type, _ = PEERS[peer_key]
    peer = peer_type(importlib.import_module(peer_type.module_name))
    counter = redis.Redis.from_url(url)
    for _ in range(tasks):
        peer.submit_count()
    deadline = time.monotonic() + 600
    while int(counter.get("peers:done") or 0) < tasks:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{tasks} tasks not done within 600 s")
        time.sleep(0.002)


def measure(peer, url, options, log_dir):
    name = f"{peer.label} {peer.version}"
    counter = redis.Redis.from_url(url)
    counter.flushdb()
    env = dict(os.environ, PEERS_REDIS_URL=url)
    workers = start_workers(peer.worker_argv(options.processes), env, os.path.join(log_dir, f"{peer.module_name}.log"))
    try:
        say(f"{name}: starting {options.processes} worker processes")
        wait_until_ready(peer)
        for _ in range(20):
            peer.echo("warm", timeout=10)

        counter.delete("peers:done")
        started = time.perf_counter()
        for _ in range(options.tasks):
            peer.submit_count()
        submitted = time.perf_counter() - started
        deadline = started + 600
        while int(counter.get("peers:done") or 0) < options.tasks:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{options.tasks} tasks not done within 600 s")
            time.sleep(0.002)
        elapsed = time.perf_counter() - started
        emit(peer.label, "a", f"{name} (a) {options.tasks:,} no-op tasks", round(options.tasks / elapsed), "tasks/s",
             f"submit to last completion {elapsed * 1000:.0f} ms (submitting took {submitted * 1000:.0f} ms)")

        latencies = []
        for index in range(options.runs):
            started = time.perf_counter()
            peer.echo(index, timeout=10)
            latencies.append((time.perf_counter() - started) * 1000)
        emit(peer.label, "b.done.p50", f"{name} (b) single task, submit to result, p50", round(percentile(latencies, 0.5), 3),
             "ms", f"{options.runs} tasks one after another")
        emit(peer.label, "b.done.p99", f"{name} (b) single task, submit to result, p99", round(percentile(latencies, 0.99), 3),
             "ms", f"{options.runs} tasks one after another")

        started = time.perf_counter()
        peer.run_chain(options.chain, timeout=300)
        elapsed = time.perf_counter() - started
        emit(peer.label, "d", f"{name} (d) chain of {options.chain} steps", round(elapsed * 1000 / options.chain, 3), "ms/step",
             f"total {elapsed * 1000:.0f} ms")

        counter.delete("peers:done")
        started = time.perf_counter()
        subprocess.run([sys.executable, os.path.abspath(__file__), "--redis", url, "--submit-and-wait", options.key,
                        "--tasks", str(options.tasks)], cwd=HERE, env=env, check=True)
        elapsed = time.perf_counter() - started
        emit(peer.label, "q", f"{name} (q) submit {options.tasks:,} tasks and wait for all", round(elapsed, 3), "s",
             "a fresh client process, start to exit (interpreter, imports, submitting one by one, waiting)")
    finally:
        stop_workers(workers)
        counter.flushdb()


def main():
    parser = argparse.ArgumentParser(description="Measure Celery, Dramatiq and huey on a given Redis.")
    parser.add_argument("--redis", required=True, help="redis://host:port of an empty redis-server")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", default=",".join(PEERS), help="comma-separated peers among " + ", ".join(PEERS))
    parser.add_argument("--submit-and-wait", choices=sorted(PEERS), help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, HERE)
    if options.submit_and_wait:
        submit_and_wait(options.submit_and_wait, options.redis, options.tasks)
        return
    chosen = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in PEERS]
    if unknown:
        parser.error(f"--only: unknown peer(s) {', '.join(unknown)}; choose among {', '.join(PEERS)}")
    with tempfile.TemporaryDirectory(prefix="qrew-peers-") as log_dir:
        for key in chosen:
            peer_type, db = PEERS[key]
            options.key = key
            url = with_database(options.redis, db)
            os.environ["PEERS_REDIS_URL"] = url
            try:
                peer = peer_type(importlib.import_module(peer_type.module_name))
                measure(peer, url, options, log_dir)
            except Exception as error:
                say(f"{peer_type.label}: {error}")
                print(json.dumps({"name": peer_type.label, "skipped": str(error)}), flush=True)


if __name__ == "__main__":
    main()

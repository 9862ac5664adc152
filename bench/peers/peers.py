#!/usr/bin/env python3
"""Measures Celery and Dramatiq the way qrew-bench measures Qrew, on the same machine and the
same redis-server, so `make bench` compares them in one run:

  (a) N no-op tasks submitted one by one: tasks per second from the first submission to the
      last completion (each task counts itself in Redis, as a Qrew task records its result);
  (b) single-task latency, one after another: submit to result, p50 and p99, as a client
      waiting on the result backend sees it;
  (d) a chain of M steps (Celery `chain`, Dramatiq `pipeline`): time per step.

Each framework gets its own Redis database, workers started fresh (`--processes` worker
processes, the frameworks' usual setup for a machine of that many cores) and a warm-up.
Prints one JSON object per figure on stdout ({"name", "value", "unit", "note"}, or
{"name", "skipped"} when a framework could not be measured); progress goes to stderr.

Usage: peers.py --redis redis://127.0.0.1:PORT [--tasks 10000] [--runs 200] [--chain 200]
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


def emit(name, value, unit, note):
    print(json.dumps({"name": name, "value": value, "unit": unit, "note": note}), flush=True)


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
        emit(f"{name} (a) {options.tasks:,} no-op tasks", round(options.tasks / elapsed), "tasks/s",
             f"submit to last completion {elapsed * 1000:.0f} ms (submitting took {submitted * 1000:.0f} ms)")

        latencies = []
        for index in range(options.runs):
            started = time.perf_counter()
            peer.echo(index, timeout=10)
            latencies.append((time.perf_counter() - started) * 1000)
        emit(f"{name} (b) single task, submit to result, p50", round(percentile(latencies, 0.5), 3), "ms",
             f"p99 {percentile(latencies, 0.99):.2f} ms; {options.runs} tasks one after another")

        started = time.perf_counter()
        peer.run_chain(options.chain, timeout=300)
        elapsed = time.perf_counter() - started
        emit(f"{name} (d) chain of {options.chain} steps", round(elapsed * 1000 / options.chain, 3), "ms/step",
             f"total {elapsed * 1000:.0f} ms")
    finally:
        stop_workers(workers)
        counter.flushdb()


def main():
    parser = argparse.ArgumentParser(description="Measure Celery and Dramatiq on a given Redis.")
    parser.add_argument("--redis", required=True, help="redis://host:port of an empty redis-server")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    sys.path.insert(0, HERE)
    with tempfile.TemporaryDirectory(prefix="qrew-peers-") as log_dir:
        for peer_type, db in ((Celery, 1), (Dramatiq, 2)):
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

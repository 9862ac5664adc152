#!/usr/bin/env python3
"""A Qrew worker in Python, written from docs/protocol.md (*Writing a worker*) alone.

It runs `echo` and `shell` tasks: claims them with `claim`, keeps their leases with `heartbeat`,
streams their output with `append_output`, records `$QREW_PROGRESS` reports with
`report_progress` (and kills a task silent past its `heartbeatTimeout`), records results with
`complete`, stops tasks that are canceled (`P:cancellations`) or whose lease is lost, and on
SIGTERM/SIGINT drains: no new claims, running tasks get --drain-time, the rest are killed and
handed back (`hand_back`). Tasks of other types, or using features this worker does not
implement (`condition`, `cache`), are handed back for a worker that serves them. With
--signing-key-file it runs only tasks the coordinator signed (docs/security.md, *Signed tasks*):
an unsigned or altered task is failed, without running it, with the reason.

Needs redis-py (`python3 -m pip install redis`). Usage:

    worker.py --redis redis://127.0.0.1:6379 --namespace qrew --name py1 --queues default
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata

try:
    import redis
except ImportError:
    sys.exit("worker.py needs redis-py: python3 -m pip install redis")

SERVED_TYPES = ("echo", "shell")
UNSERVED_FEATURES = ("condition", "cache")
OUTPUT_CAP = 1 << 20          # bytes of output kept per task (the Swift worker's default)
BATCH_LINES = 64              # output lines per streamed batch at most
BATCH_DELAY = 0.05            # seconds a streamed line waits at most
KILL_GRACE = 5.0              # TERM → KILL on a timeout
CANCEL_GRACE = 0.5            # TERM → KILL on a cancel, a lost lease or a drain
IDLE_BLOCK = 2                # seconds an idle worker blocks on the wake lists
PROGRESS_POLL = 0.2           # seconds between reads of a task's $QREW_PROGRESS file
MAX_PROGRESS_BATCH = 20       # progress reports of one read recorded at most (the latest)
MAX_PROGRESS_LINE = 4096      # bytes: longer progress lines are ignored
MAX_PROGRESS_MESSAGE = 512    # bytes: a progress message is cut to this
REFUSED_PAUSE = 1.0           # seconds without claiming after handing back a refused task
RETRY_BOUNDS = (0, 100)       # retries are clamped to these, as validation does
CLAIM_ENTRIES = 9             # entries per task in a claim reply (docs/protocol.md, *Writing a worker*)


def log(message):
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


# --- scripts -------------------------------------------------------------------------------

def expand_includes(path, lib_dir):
    """The script text with each `--@include NAME` line replaced by lib/NAME.lua, recursively."""
    lines = []
    with open(path, encoding="utf-8") as source:
        for line in source.read().split("\n"):
            if line.startswith("--@include "):
                name = line[len("--@include "):].strip()
                lines.append(expand_includes(os.path.join(lib_dir, name + ".lua"), lib_dir))
            else:
                lines.append(line)
    return "\n".join(lines)


class Scripts:
    """The operations this worker calls, loaded from the Lua files (EVALSHA, reloaded on NOSCRIPT)."""

    def __init__(self, client, directory, prefix, stream_cap):
        self.shared = [prefix, "0", str(stream_cap)]
        lib = os.path.join(directory, "lib")
        self.scripts = {
            name: client.register_script(expand_includes(os.path.join(directory, name + ".lua"), lib))
            for name in ("claim", "heartbeat", "complete", "append_output", "hand_back", "report_progress")
        }

    def call(self, name, *args, client=None):
        return self.scripts[name](keys=[], args=self.shared + [str(a) for a in args], client=client)


# --- signed tasks (docs/security.md, *Signed tasks*) -----------------------------------------

KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
SIGNATURE_VERSION = b"qrew-task-sig-v1\n"


def load_signing_keys(path):
    """The key file's keys by id (current first, previous second), checked as qrew-worker checks them."""
    with open(path, encoding="utf-8") as source:
        lines = source.read().split("\n")
    keys = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key_id, colon, encoded = line.partition(":")
        if not colon:
            raise ValueError(f"{path}:{number}: expected '<key id>:<base64 key>'")
        if not KEY_ID.fullmatch(key_id):
            raise ValueError(f"{path}:{number}: key id '{key_id}' is not valid")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f"{path}:{number}: the key of '{key_id}' is not base64") from None
        if not 32 <= len(key) <= 1024 or len(set(key)) < 8:
            raise ValueError(f"{path}:{number}: key '{key_id}' is too short or too regular (make one with 'qctl signing-key new')")
        if key_id in keys:
            raise ValueError(f"{path}: the key id '{key_id}' appears twice")
        keys[key_id] = key
    if not 1 <= len(keys) <= 2:
        raise ValueError(f"{path}: expected the current key and at most one previous key, found {len(keys)}")
    return keys


def canonical_bytes(kind, namespace, run_id, task_id, spec, attachment=""):
    """What a task signature covers: the version line, then each field as `<byte count>:<bytes>\\n`."""
    out = bytearray(SIGNATURE_VERSION)
    for field in (kind, namespace, run_id, task_id, spec, attachment):
        data = field.encode("utf-8")
        out += str(len(data)).encode("ascii") + b":" + data + b"\n"
    return bytes(out)


def signature_refusal(keys, signature, namespace, ref, spec):
    """None when `signature` (the claim's ninth entry) signs this task, else why it is refused."""
    if not signature:
        return "signature refused: unsigned task"
    key_id, colon, encoded = signature.partition(":")
    if not colon or not KEY_ID.fullmatch(key_id):
        return "signature refused: malformed signature"
    if key_id not in keys:
        return f"signature refused: unknown key id '{key_id}'"
    try:
        mac = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return "signature refused: malformed signature"
    run_id, _, task_id = ref.partition("/")
    expected = hmac.new(keys[key_id], canonical_bytes("task", namespace, run_id, task_id, spec), hashlib.sha256).digest()
    if len(mac) != len(expected) or not hmac.compare_digest(mac, expected):
        return f"signature refused: bad signature (key {key_id})"
    return None


# --- task specs ----------------------------------------------------------------------------

DIFFERENCE_HEAD = re.compile(rb"[~^](\d{1,18}),(\d{1,18}),(\d{1,18}):")


def claimed_spec(entry, ref, templates):
    """A claim reply's spec entry as the spec text: the spec itself, or a task's
    difference put back together byte for byte (docs/protocol.md, *Task specs*): the entry is
    [difference, template] where the reply names that template first, the difference alone after
    that; `templates` keeps those named so far in the reply, by (run, template id)."""
    run_id, task_id = ref.split("/", 1)
    pair = isinstance(entry, list)
    stored = entry[0] if pair else entry
    stored = stored.encode() if isinstance(stored, str) else stored
    head = DIFFERENCE_HEAD.match(stored)
    if head is None or head.end() + int(head.group(3)) > len(stored):
        return stored.decode(errors="replace")
    prefix, suffix, n = (int(number) for number in head.groups())
    template_id, middle = stored[head.end():head.end() + n], stored[head.end() + n:]
    if pair:
        template = entry[1].encode() if isinstance(entry[1], str) else entry[1]
        templates[(run_id, template_id)] = template
    else:
        template = templates.get((run_id, template_id), b"")
    if not template:
        return ""  # the template is gone with its run: refused as an empty spec
    prefix = min(prefix, len(template))
    suffix = min(suffix, len(template) - prefix)
    spec = template[:prefix] + middle + template[len(template) - suffix:]
    if stored[:1] == b"^":
        spec = spec.replace(b'"taskID":"' + template_id + b'"', b'"taskID":"' + task_id.encode() + b'"', 1)
    return spec.decode(errors="replace")


def render(text, step_outputs, run_id):
    """Substitutes `${{ steps.X.output }}` and `${{ run.id }}` (the references left for workers)."""
    if "${{" not in text:
        return text
    out, rest = [], text
    while True:
        start = rest.find("${{")
        if start < 0:
            out.append(rest)
            return "".join(out)
        end = rest.find("}}", start + 3)
        if end < 0:
            raise ValueError(f"unterminated template in {text!r}")
        out.append(rest[:start])
        parts = rest[start + 3:end].strip().split(".")
        if len(parts) == 3 and parts[0] == "steps" and parts[2] in ("output", "outputs") and parts[1]:
            out.append(step_outputs.get(parts[1], ""))
        elif parts == ["run", "id"]:
            out.append(run_id)
        else:
            raise ValueError(f"unresolved reference ${{{{ {'.'.join(parts)} }}}}")
        rest = rest[end + 2:]


def rendered_spec(spec, outputs):
    """The spec's templated fields (run, cwd, env, with) rendered with the claimed outputs."""
    step_outputs = {step: "\n".join(outputs.get(task, "") for task in tasks)
                    for step, tasks in spec.get("outputRefs", {}).items()}
    r = lambda text: render(text, step_outputs, spec["runID"])
    spec = dict(spec)
    spec["run"] = [r(a) for a in spec.get("run", [])]
    if spec.get("cwd") is not None:
        spec["cwd"] = r(spec["cwd"])
    spec["env"] = {k: r(v) for k, v in spec.get("env", {}).items()}
    spec["with"] = {k: r(v) for k, v in spec.get("with", {}).items()}
    return spec


def duration_ns(value):
    """A spec duration `[high, low]` (attoseconds as a 128-bit integer) in nanoseconds."""
    high, low = value
    return max(0, (high * (1 << 64) + low) // 1_000_000_000)


def retry_delay_ms(retry, outcome, attempt):
    """The backoff (ms) before the next attempt when the policy retries `outcome`, else None."""
    condition = {"failed": "failure", "timed_out": "timeout", "lost": "lost"}.get(outcome)
    max_attempts = min(max(retry.get("maxRetries", 0), RETRY_BOUNDS[0]), RETRY_BOUNDS[1]) + 1
    if condition not in retry.get("retryOn", []) or not 1 <= attempt < max_attempts:
        return None
    initial, cap = duration_ns(retry["initial"]), duration_ns(retry["cap"])
    value = min(initial, cap)
    if retry.get("backoff") == "exponential":
        step = 1
        while step < attempt and 0 < value < cap:
            value = cap if value > cap // 2 else value * 2
            step += 1
    if retry.get("jitter"):
        half = value // 2
        value = min(half + int((value - half) * random.random()), value)
    return value // 1_000_000


def short_duration(ms):
    """`2s`, `1.5s`, `250ms`: how errors name a duration."""
    if ms < 1000:
        return f"{round(ms)}ms"
    seconds = ms / 1000
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{round(seconds, 1)}s"


SIGNAL_NAMES = {signal.SIGKILL: "SIGKILL", signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT",
                signal.SIGSEGV: "SIGSEGV", signal.SIGABRT: "SIGABRT", signal.SIGPIPE: "SIGPIPE",
                signal.SIGHUP: "SIGHUP", signal.SIGBUS: "SIGBUS"}


def parse_progress(line):
    """A `$QREW_PROGRESS` line as (percent or None, message or None), or None to ignore it."""
    text = line.rstrip("\r").lstrip(" \t")
    if not text or any(unicodedata.category(c) == "Cc" and c != "\t" for c in text):
        return None
    percent, rest = None, text
    sign = text.find("%")
    number = text[:sign] if 0 < sign <= 24 else ""
    if number and number.strip() == number and "_" not in number:   # as Swift's Double(text) reads
        try:
            value = float(number)
        except ValueError:
            value = None
        if value is not None and math.isfinite(value):
            percent, rest = int(math.floor(min(100.0, max(0.0, value)))), text[sign + 1:]
    message = rest.strip(" \t").encode("utf-8")[:MAX_PROGRESS_MESSAGE].decode("utf-8", "ignore")
    if percent is None and not message:
        return None
    return percent, message or None


class ProgressFile:
    """Reads the lines a task appends to its `$QREW_PROGRESS` file, as parsed reports."""

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, b""

    def read(self, final=False):
        try:
            with open(self.path, "rb") as file:
                file.seek(self.offset)
                data = file.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = b"" if final else lines.pop()
        reports = []
        for raw in lines:
            if len(raw) <= MAX_PROGRESS_LINE:
                report = parse_progress(raw.decode("utf-8", "replace"))
                if report is not None:
                    reports.append(report)
        return reports


# --- running tasks -------------------------------------------------------------------------

class Running:
    """One claimed task. `stop` is set once: lost, canceled or draining; then nothing is completed."""

    def __init__(self, ref, token, attempt, trace):
        self.ref, self.token, self.attempt = ref, token, attempt
        # The attempt's span in the run's W3C trace ("<trace id>-<flags>" from claim; "" for none).
        self.span = os.urandom(8).hex() if trace else ""
        trace_id, _, flags = trace.partition("-")
        self.traceparent = f"00-{trace_id}-{self.span}-{flags}" if trace else None
        self.lock = threading.Lock()
        self.stop = None
        self.completing = False
        self.renewed = time.monotonic()
        self.process = None
        self.stdout, self.stderr = [], []     # lines not streamed yet
        self.first_pending = None

    def begin_completing(self):
        """True when the result may be sent: nothing stopped the task first."""
        with self.lock:
            if self.stop is None:
                self.completing = True
            return self.completing

    def request_stop(self, reason, grace):
        with self.lock:
            if self.completing or self.stop is not None:
                return False
            self.stop = reason
            process = self.process
        if process is not None:
            kill_group(process, grace)
        return True


def kill_group(process, grace):
    """TERM the task's process group, then KILL it after `grace` if the leader still runs."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return

    def finish():
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    threading.Thread(target=finish, daemon=True).start()


class Worker:
    def __init__(self, options):
        self.options = options
        self.client = redis.Redis.from_url(options.redis, decode_responses=True)
        self.scripts = Scripts(self.client, options.scripts, options.namespace, options.stream_cap)
        self.prefix = options.namespace
        self.lease_ms = int(options.lease * 1000)
        self.signing_keys = load_signing_keys(options.signing_key_file) if options.signing_key_file else None
        self.tasks = {}                       # ref → Running
        self.tasks_lock = threading.Lock()
        self.slot_freed = threading.Event()
        self.draining = threading.Event()
        self.stopped = threading.Event()

    # claim loop (main thread)
    def run(self):
        for target in (self.heartbeat_loop, self.cancellation_loop, self.output_loop):
            threading.Thread(target=target, daemon=True).start()
        log(f"worker {self.options.name} serving {','.join(self.options.queues)} "
            f"with {self.options.concurrency} slots")
        wake_keys = [f"{self.prefix}:queue:{q}:wake" for q in self.options.queues]
        backoff = 0.1
        while not self.draining.is_set():
            free = self.free_slots()
            if free == 0:
                self.slot_freed.wait(0.5)
                self.slot_freed.clear()
                continue
            try:
                reply = self.scripts.call("claim", self.options.name, self.lease_ms, free, *self.options.queues)
                backoff = 0.1
            except redis.RedisError as error:
                log(f"claim failed: {error}; retrying in {backoff:.1f}s")
                self.draining.wait(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            refused = False
            templates = {}
            for i in range(0, len(reply), CLAIM_ENTRIES):
                ref, token, attempt, spec, pairs, trace, _queue, _waited_ms, signature = reply[i:i + CLAIM_ENTRIES]
                outputs = dict(zip(pairs[0::2], pairs[1::2])) if pairs else {}  # "" when it references none
                spec = claimed_spec(spec, ref, templates)
                refused |= self.start(Running(ref, token, int(attempt), trace), spec, outputs, signature)
            if refused:
                self.draining.wait(REFUSED_PAUSE)
            elif len(reply) // CLAIM_ENTRIES < free and not self.draining.is_set():
                try:
                    self.client.blpop(wake_keys, timeout=IDLE_BLOCK)
                except redis.RedisError as error:
                    log(f"waiting for work failed: {error}")
                    self.draining.wait(backoff)
        self.drain()

    def free_slots(self):
        with self.tasks_lock:
            return max(0, self.options.concurrency - len(self.tasks))

    def start(self, task, spec_text, outputs, signature):
        """Runs a claimed task on its own thread; returns True when it was refused (handed back)."""
        if self.signing_keys is not None:
            refusal = signature_refusal(self.signing_keys, signature, self.prefix, task.ref, spec_text)
            if refusal is not None:
                log(f"{task.ref} refused, nothing run: {refusal}")
                with self.tasks_lock:
                    self.tasks[task.ref] = task
                threading.Thread(target=self.finish, args=(task, ("failed", None, "", refusal, None)), daemon=True).start()
                return False
        try:
            spec = json.loads(spec_text)
            if not isinstance(spec, dict):
                raise ValueError("not a JSON object")
        except ValueError as error:
            spec = None
            problem = f"cannot decode the task spec: {error}"
        if spec is not None:
            unserved = [f for f in UNSERVED_FEATURES if spec.get(f) is not None]
            if spec.get("type") not in SERVED_TYPES or unserved:
                what = f"type {spec.get('type')}" if not unserved else ", ".join(unserved)
                self.hand_back(task, f"this worker does not serve {what}")
                return True
        with self.tasks_lock:
            self.tasks[task.ref] = task
        if spec is None:
            threading.Thread(target=self.finish, args=(task, ("failed", None, "", problem, None)), daemon=True).start()
        else:
            threading.Thread(target=self.execute, args=(task, spec, outputs), daemon=True).start()
        return False

    def hand_back(self, task, why):
        try:
            if self.scripts.call("hand_back", task.ref, task.token) == 1:
                log(f"handed back {task.ref}: {why}")
        except redis.RedisError as error:
            log(f"could not hand back {task.ref} ({error}); it runs again once its lease expires")

    # executing
    def execute(self, task, spec, outputs):
        try:
            self.execute_spec(task, spec, outputs)
        except Exception as error:  # a malformed spec must end the task, not the thread holding it
            if not task.completing:
                self.finish(task, ("failed", None, "", f"cannot run the task spec: {error!r}", None))

    def execute_spec(self, task, spec, outputs):
        try:
            spec = rendered_spec(spec, outputs)
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            return self.finish(task, ("failed", None, "", f"cannot render the task spec: {error}", None))
        if spec["type"] == "echo":
            message = spec["with"].get("message", "")
            self.output(task, "stdout", message)
            result = ("succeeded", None, message, None)
        else:
            result = self.run_shell(task, spec)
        outcome = result[0]
        delay = retry_delay_ms(spec.get("retry", {}), outcome, task.attempt)
        self.finish(task, result + (delay,))

    def run_shell(self, task, spec):
        argv = spec.get("run", [])
        if not argv:
            return ("failed", None, "", "empty command: `run` has no arguments")
        command = ["/bin/sh", "-c"] + argv if spec.get("shell") else argv
        scratch = tempfile.mkdtemp(prefix="qrew-task-")   # the task creates these files if it wants
        output_path, progress_path = os.path.join(scratch, "output"), os.path.join(scratch, "progress")
        env = dict(os.environ)
        env.update(spec.get("env", {}))
        env.update({"QREW_RUN_ID": spec["runID"], "QREW_TASK_ID": spec["taskID"],
                    "QREW_ATTEMPT": str(task.attempt), "QREW_OUTPUT": output_path,
                    "QREW_PROGRESS": progress_path})
        if task.traceparent:
            env["TRACEPARENT"] = task.traceparent
        try:
            return self.spawn_and_wait(task, spec, command, env, output_path, progress_path)
        finally:
            for path in (output_path, progress_path):
                if os.path.exists(path):
                    os.unlink(path)
            os.rmdir(scratch)

    def spawn_and_wait(self, task, spec, command, env, output_path, progress_path):
        try:
            with task.lock:
                if task.stop is not None:
                    return ("failed", None, "", "stopped before it started")
                task.process = subprocess.Popen(
                    command, env=env, cwd=spec.get("cwd"), stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as error:
            return ("failed", None, "", f"cannot start {command[0]}: {error.strerror or error}")
        process = task.process
        captured = {"stderr": [], "last": ""}
        readers = [threading.Thread(target=self.read_lines, args=(task, stream, name, captured), daemon=True)
                   for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))]
        for reader in readers:
            reader.start()
        timeout_ms = spec.get("timeoutMilliseconds")
        silence_ms = spec.get("heartbeatTimeoutMilliseconds")
        started = heard = time.monotonic()
        progress = ProgressFile(progress_path)
        timed_out = silent = False
        while True:
            try:
                process.wait(timeout=PROGRESS_POLL)
                break
            except subprocess.TimeoutExpired:
                pass
            if self.report_progress(task, progress.read()):
                heard = time.monotonic()
            now = time.monotonic()
            if timeout_ms is not None and (now - started) * 1000 >= timeout_ms:
                timed_out = True
                kill_group(process, KILL_GRACE)
                process.wait()
                break
            if silence_ms is not None and (now - heard) * 1000 >= silence_ms:
                silent = True
                kill_group(process, CANCEL_GRACE)
                process.wait()
                break
        self.report_progress(task, progress.read(final=True))
        try:
            os.killpg(process.pid, signal.SIGKILL)   # nothing the task started outlives it
        except ProcessLookupError:
            pass
        for reader in readers:
            reader.join(timeout=1.0)
        output = captured["last"]
        if os.path.exists(output_path):
            with open(output_path, "rb") as written:
                output = written.read(OUTPUT_CAP).decode("utf-8", "replace").rstrip("\r\n")
        code = process.returncode
        tail = " | ".join([l for l in captured["stderr"] if l][-3:])
        detail = f": {tail}" if tail else ""
        if silent:
            return ("lost", None, output, f"heartbeat timeout: no progress for {short_duration(silence_ms)}")
        if timed_out:
            killed = f" (killed after {short_duration(KILL_GRACE * 1000)} grace)" if code == -signal.SIGKILL else ""
            return ("timed_out", code if code >= 0 else None, output,
                    f"timed out after {short_duration(timeout_ms)}{killed}")
        if code < 0:
            name = f" ({SIGNAL_NAMES[-code]})" if -code in SIGNAL_NAMES else ""
            return ("failed", None, output, f"killed by signal {-code}{name}{detail}")
        if code != 0:
            return ("failed", code, output, f"exited with status {code}{detail}")
        return ("succeeded", 0, output, None)

    def report_progress(self, task, updates):
        """Records a batch of progress reports (the last 20) in one call; True if there were any."""
        if not updates:
            return False
        args = [x for percent, message in updates[-MAX_PROGRESS_BATCH:]
                for x in (task.ref, task.token, "" if percent is None else percent, message or "")]
        try:
            self.scripts.call("report_progress", *args)
        except redis.RedisError as error:
            log(f"reporting progress of {task.ref} failed ({error}); the next report carries the latest")
        return True

    def read_lines(self, task, stream, name, captured):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n").rstrip("\r")
            if name == "stdout" and line.strip():
                captured["last"] = line
            if name == "stderr":
                captured["stderr"] = (captured["stderr"] + [line])[-10:]
            self.output(task, name, line)
        stream.close()

    def output(self, task, stream, line):
        with task.lock:
            lines = task.stdout if stream == "stdout" else task.stderr
            if len(task.stdout) + len(task.stderr) < 10_000:
                lines.append(line)
            if task.first_pending is None:
                task.first_pending = time.monotonic()

    def take_output(self, task):
        with task.lock:
            out, err = task.stdout, task.stderr
            task.stdout, task.stderr, task.first_pending = [], [], None
        return out, err

    def output_loop(self):
        """Streams running tasks' lines in batches (`append_output`): at most BATCH_DELAY late."""
        while not self.stopped.is_set():
            time.sleep(BATCH_DELAY / 2)
            args = []
            now = time.monotonic()
            with self.tasks_lock:
                tasks = list(self.tasks.values())
            for task in tasks:
                with task.lock:
                    due = task.first_pending is not None and (
                        now - task.first_pending >= BATCH_DELAY
                        or len(task.stdout) + len(task.stderr) >= BATCH_LINES)
                    if not due or task.completing or task.stop:
                        continue
                out, err = self.take_output(task)
                for name, lines in (("stdout", out), ("stderr", err)):
                    for i in range(0, len(lines), BATCH_LINES):
                        args += [task.ref, task.token, name, "\n".join(lines[i:i + BATCH_LINES])]
            if args:
                try:
                    self.scripts.call("append_output", *args)
                except redis.RedisError as error:
                    log(f"streaming output failed ({error}); those lines are dropped from the live stream")

    # results
    def finish(self, task, result):
        outcome, code, output, error, delay = result
        try:
            if not task.begin_completing():
                if task.stop == "draining":
                    self.hand_back(task, "the worker is draining")
                else:
                    log(f"{task.ref} stopped ({task.stop}); no result recorded")
                return
            out, err = self.take_output(task)
            encoded = output.encode("utf-8")[:OUTPUT_CAP].decode("utf-8", "ignore")
            args = [task.ref, task.token, outcome, "" if code is None else code, encoded, error or "",
                    "" if delay is None else delay, "\n".join(out), "\n".join(err), task.span]
            backoff = 0.1
            while True:
                try:
                    # no successors asked for (worker, lease, most 0, no queues): docs/protocol.md, *Successors*
                    status = self.scripts.call("complete", "", 0, 0, 0, *args)[0]
                    if status == "stale":
                        log(f"result of {task.ref} refused: the lease is no longer held")
                    elif outcome != "succeeded":
                        log(f"{task.ref} attempt {task.attempt} {outcome}: {error} ({status})")
                    return
                except redis.RedisError as error_:
                    if task.stop == "lost" or time.monotonic() - task.renewed > self.options.lease:
                        log(f"gave up recording {task.ref}: its lease ran out ({error_}); it will run again")
                        return
                    time.sleep(backoff)
                    backoff = min(backoff * 2, 1.0)
        finally:
            with self.tasks_lock:
                self.tasks.pop(task.ref, None)
            self.slot_freed.set()

    # leases and cancellations
    def heartbeat_loop(self):
        interval = self.options.lease / 3
        while not self.stopped.is_set():
            with self.tasks_lock:
                held = list(self.tasks.values())
            info = json.dumps({"name": self.options.name, "slots": self.options.concurrency,
                               "queues": self.options.queues, "host": socket.gethostname(),
                               "pid": os.getpid(), "running": len(held)})
            pairs = [x for task in held for x in (task.ref, task.token)]
            sent = time.monotonic()
            try:
                lost = set(self.scripts.call("heartbeat", self.options.name, self.lease_ms, info, *pairs))
                for task in held:
                    if task.ref in lost:
                        if task.request_stop("lost", CANCEL_GRACE):
                            log(f"lease of {task.ref} lost; stopping it")
                    else:
                        task.renewed = sent
                self.stopped.wait(interval)
            except redis.RedisError as error:
                log(f"heartbeat failed: {error}")
                self.stopped.wait(min(1.0, interval))

    def cancellation_loop(self):
        while not self.stopped.is_set():
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(f"{self.prefix}:cancellations")
                while not self.stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    with self.tasks_lock:
                        task = self.tasks.get(message["data"])
                    if task is not None and task.request_stop("canceled", CANCEL_GRACE):
                        log(f"{task.ref} canceled; stopping it")
            except redis.RedisError as error:
                log(f"cancellation listener: {error}")
                self.stopped.wait(1.0)

    def drain(self):
        log(f"draining: {len(self.tasks)} running tasks get {self.options.drain_time:g}s")
        deadline = time.monotonic() + self.options.drain_time
        while self.tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        with self.tasks_lock:
            left = list(self.tasks.values())
        for task in left:
            task.request_stop("draining", CANCEL_GRACE)
        while self.tasks:
            time.sleep(0.05)
        self.stopped.set()
        log("drained")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description="A Qrew worker for echo and shell tasks (docs/protocol.md).")
    parser.add_argument("--redis", default=os.environ.get("QREW_REDIS_URL", "redis://127.0.0.1:6379"))
    parser.add_argument("--namespace", default=os.environ.get("QREW_NAMESPACE", "qrew"))
    parser.add_argument("--name", default=f"py-{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--queues", default="default", help="comma-separated, in order of preference")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease", type=float, default=30.0, help="lease length in seconds")
    parser.add_argument("--drain-time", type=float, default=30.0, help="seconds running tasks get on SIGTERM")
    parser.add_argument("--stream-cap", type=int, default=10000, help="progress stream cap (ARGV[3])")
    parser.add_argument("--signing-key-file", default=os.environ.get("QREW_SIGNING_KEY_FILE") or None,
                        help="run only tasks signed with a key of this file (docs/security.md)")
    parser.add_argument("--scripts", default=os.path.join(here, "..", "..", "Sources", "QrewQueue", "Scripts"),
                        help="directory of the Lua scripts")
    options = parser.parse_args()
    options.queues = [q for q in options.queues.split(",") if q]
    if options.concurrency < 1 or options.lease <= 0 or not options.queues:
        parser.error("--concurrency must be at least 1, --lease positive, --queues not empty")
    if not os.path.isfile(os.path.join(options.scripts, "claim.lua")):
        parser.error(f"no claim.lua in {options.scripts} (pass --scripts)")
    if options.signing_key_file:
        try:
            load_signing_keys(options.signing_key_file)
        except (OSError, ValueError) as error:
            parser.error(f"--signing-key-file: {error}")
    worker = Worker(options)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.draining.set())
    try:
        worker.client.ping()
    except redis.RedisError as error:
        sys.exit(f"cannot reach Redis at {options.redis}: {error}")
    worker.run()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerates the seed corpus in Fuzz/Corpus/ from what the repository already holds: the
examples, the workflow and JSON snippets of the docs, every test workflow (fixtures and the
workflow strings inside the Swift tests), and a few hand-written inputs per target.

Run from anywhere: python3 Fuzz/make-seeds.py. Seeds of the taskspec target also come from
Fuzz/Corpus/taskspec/intake-*.json, written by the intake pipeline itself (see README.md);
this script leaves those files alone and replaces only the files it writes (prefix 'seed-').
"""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "Corpus")


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    with open(os.path.join(directory, "seed-" + safe), "wb") as out:
        out.write(data)


def clear(target):
    for path in glob.glob(os.path.join(CORPUS, target, "seed-*")):
        os.remove(path)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def unescape_swift(text):
    """The value of a Swift string literal's body (no interpolation)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "'": "'", "\\": "\\"}
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
            if n == "u" and text[i + 2:i + 3] == "{":
                end = text.index("}", i)
                out.append(chr(int(text[i + 3:end], 16)))
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def swift_strings(source):
    """Workflow-looking string literals of a Swift file: multi-line and single-line."""
    found = []
    for match in re.finditer(r'(#?)"""\n(.*?)\n([ \t]*)"""\1', source, re.S):
        raw, body, indent = match.group(1), match.group(2), match.group(3)
        lines = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in body.split("\n")]
        text = "\n".join(lines) + "\n"
        if "\\(" in text and not raw:
            continue
        found.append(text if raw else unescape_swift(text))
    for match in re.finditer(r'(?<![#"])"((?:[^"\\\n]|\\.)*)"', source):
        body = match.group(1)
        if "\\(" in body:
            continue
        found.append(unescape_swift(body))
    return found


def fenced(markdown, language):
    return [m.group(1) for m in re.finditer(r"```" + language + r"\n(.*?)```", markdown, re.S)]


def intake():
    clear("intake")
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*.yaml"))):
        write("intake", "example-" + os.path.basename(path), read(path))
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "*", "Fixtures", "**", "*.*"), recursive=True)):
        kind = os.path.basename(os.path.dirname(path))
        write("intake", "fixture-" + kind + "-" + os.path.basename(path), read(path))
    for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")) + [os.path.join(ROOT, "README.md")]):
        for index, block in enumerate(fenced(read(path), "yaml")):
            write("intake", "doc-%s-%d.yaml" % (os.path.basename(path), index), block)
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "**", "*.swift"), recursive=True)):
        texts = [t for t in swift_strings(read(path)) if "steps" in t and re.search(r'"?name"?\s*:', t)]
        for index, text in enumerate(texts):
            write("intake", "test-%s-%d.yaml" % (os.path.basename(path)[:-6], index), text)
    # Submissions with --set parameters (workflow, NUL, params JSON).
    params = (
        "name: p\nparams: { version: '1', region: eu }\nsteps:\n"
        "  - id: build\n    run: [make, 'v${{ params.version }}']\n"
        "  - id: deploy\n    dependsOn: [build]\n    matrix: { zone: [a, b] }\n"
        "    run: [deploy, '${{ params.region }}-${{ matrix.zone }}', '${{ steps.build.output }}', '${{ run.id }}']\n"
    )
    write("intake", "params-set.yaml", params + '\0{"version":"2","region":"us"}')
    write("intake", "params-unknown.yaml", params + '\0{"versoin":"2"}')
    write("intake", "params-not-json.yaml", params + "\0not json")


def json_seeds():
    clear("json")
    for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        for index, block in enumerate(fenced(read(path), "json")):
            write("json", "doc-%s-%d.json" % (os.path.basename(path), index), block)
    samples = {
        "params.json": '{"version":"2","region":"us-east"}',
        "escapes.json": r'["\"\\\/\b\f\n\r\t", "\u00e9\u4e2d\ud83d\ude00", "\u0000\u001f"]',
        "numbers.json": "[0, -0, 1.5, -2e10, 3E-7, 123456789012345678901234567890, 1e400]",
        "nested.json": '{"a":[{"b":[[[]]]},{}],"c":null,"d":true,"e":false}',
        "duplicates.json": '{"k":"1","k":"2"}',
        "live-message.json": '{"id":"1700000000000-0","events":[["type","task_started","task","a"]]}',
        "bad-surrogate.json": r'["\ud800"]',
        "utf8.json": '["caf\u00e9 \u4e2d \U0001F600"]',
        "scalar.json": '"just a string"',
        "trailing-comma.json": "[1,2,]",
    }
    for name, text in samples.items():
        write("json", name, text)
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "QrewCoreTests", "JSON*.swift"))):
        for index, text in enumerate(swift_strings(read(path))):
            if text and text[0] in '[{"' and len(text) < 400:
                write("json", "test-%s-%d.json" % (os.path.basename(path)[:-6], index), text)


def taskspec():
    clear("taskspec")
    base = (
        '{"env":{"A":"1"},"http":{"headers":{"X":"y"},"method":"GET","url":"http://127.0.0.1/x"},'
        '"outputRefs":{"build":["build"]},"retry":{"backoff":"exponential","cap":[60,0],"initial":[1,0],'
        '"jitter":true,"maxRetries":3,"retryOn":["failure","timeout"]},"run":["echo","${{ steps.build.output }}"],'
        '"runID":"r1","shell":false,"stepID":"s","taskID":"s[os=linux]","timeoutMilliseconds":60000,"type":"http",'
        '"with":{"duration":"1.5s","message":"${{ run.id }}"}}'
    )
    write("taskspec", "full.json", base)
    write("taskspec", "foundation-style.json", base.replace("http://127.0.0.1/x", "http:\\/\\/127.0.0.1\\/x"))
    write("taskspec", "numbers.json", base.replace('"maxRetries":3', '"maxRetries":3.0e0'))
    write("taskspec", "huge-duration.json", base.replace('"cap":[60,0]', '"cap":[9223372036854775807,18446744073709551615]'))
    write("taskspec", "sleep.json", base.replace('"type":"http"', '"type":"sleep"'))


def duration():
    clear("duration")
    for index, text in enumerate([
        "500ms", "30s", "10m", "1h", "2d", "1h30m", "1.5s", "90", "0", " 5s\n", "1e3s", "-1s", "1.2.3s",
        "5 s", "10x", "9223372036854775807", "99999999999999999999d", "0.0000001ms", "1s\0001m", "100ms\0005s",
        "1h\0000", "\u00bd s",
    ]):
        write("duration", "%02d" % index, text)


def template():
    clear("template")
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "**", "*.swift"), recursive=True)):
        texts = sorted({t for t in swift_strings(read(path)) if "${{" in t and len(t) < 300 and "steps:" not in t})
        for index, text in enumerate(texts):
            write("template", "test-%s-%d" % (os.path.basename(path)[:-6], index), text)
    for index, text in enumerate([
        "plain text", "${{ steps.build.output }}", "${{matrix.region}}", "v${{ params.version }}-${{ run.id }}",
        "a ${{ steps.x.output }} b ${{ matrix.k }} c", "${{ unterminated", "${{ nonsense }}", "$${{ run.id }}}",
        "${{ params.a }}\0value", "${{ steps.a.output }}${{ steps.b.output }}\0x\ny", "${{ run.id }}\u0301",
        "\u0600${{ run.id }}", "Bearer ${{ secrets.API_TOKEN }}", "${{ secrets.1BAD }}${{ secrets. }}",
    ]):
        write("template", "%02d" % index, text)


def condition():
    clear("condition")
    for index, text in enumerate([
        "failure()", "${{ always() }}", "steps.a.output == 'x'\0x", "steps.a.state != 'failed' && success()",
        "!failure() || params.mode == 'it''s'", "contains(fromJSON(steps.list.output), matrix.os)\0[\"linux\"]",
        "startsWith(steps.b.output, 'v1.') && (1 == '1')", "(((true)))", "steps.a.output = 'x'", "'open",
        "fromJSON(steps.a.output)\0{\"k\": [1, 2, {}]}", "-1.5e3 == null", "'\u0301' == steps.x.output",
    ]):
        write("condition", "%02d" % index, text)


def resp():
    clear("resp")
    def bulk(text):
        data = text.encode() if isinstance(text, str) else text
        return b"$%d\r\n%s\r\n" % (len(data), data)
    def array(items):
        return b"*%d\r\n" % len(items) + b"".join(items)
    events = '[["type","output","task","a","stream","stdout","lines","x\\ny"],["type","task_finished","task","a","stdout","done"]]'
    entry = array([bulk("1700000000000-0"), array([bulk("type"), bulk("batch"), bulk("events"), bulk(events)])])
    single = array([bulk("1700000000000-1"), array([bulk("type"), bulk("task_started"), bulk("task"), bulk("a")])])
    write("resp", "xrange", array([entry, single]))
    write("resp", "xread", array([array([bulk("qrew:run:r1:events"), array([entry])])]))
    write("resp", "xautoclaim", array([bulk("0-0"), array([single, array([bulk("1-1"), b"*-1\r\n"])]), array([])]))
    spec = '{"runID":"r1","taskID":"a"}'
    write("resp", "claim", array([bulk("r1/a"), bulk("token"), b":1\r\n", bulk(spec), array([bulk("b"), bulk("out")]), bulk("4bf92f3577b34da6a3ce929d0e0e4736-01"), bulk("default"), b":12\r\n", bulk("k1:9ikw07uKjKDm0zoffNnpLVUUu29W9sAWmQ21pP/DBqw=")]))
    write("resp", "hgetall", array([bulk("state"), bulk("running"), bulk("tasks"), bulk("3")]))
    write("resp", "workers", array([bulk("w1"), bulk("1700000000000"), bulk("w2"), bulk("1.7e12")]))
    dead = '{"id":"1","ref":"r1/a","run":"r1","task":"a","reason":"failed","attempts":3,"at":1700000000000}'
    write("resp", "dlq", array([bulk(dead), bulk("not json")]))
    live = '{"id":"1-0","events":[["type","run_finished","state","succeeded"]]}'
    write("resp", "pubsub", array([bulk("message"), bulk("qrew:run:r1:live"), bulk(live)]))
    write("resp", "scalars", b"+OK\r\n-ERR wrong\r\n:-42\r\n$-1\r\n*-1\r\n$0\r\n\r\n")
    write("resp", "incomplete", b"*2\r\n$3\r\nabc\r\n$10\r\nabc")
    write("resp", "protocol-error", b"?what\r\n")


if __name__ == "__main__":
    intake()
    json_seeds()
    taskspec()
    duration()
    template()
    resp()
    condition()
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print("%-10s %4d files %7d bytes" % (target, len(files), size))

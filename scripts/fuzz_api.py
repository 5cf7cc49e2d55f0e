#!/usr/bin/env python3
"""Fuzzes the embedded server and conductor-oss with schemathesis and lists the differences.

Both servers get the same OpenAPI document (the embedded server's `/v3/api-docs`, which lists
exactly the operations it implements, with conductor-oss's paths and parameters), the same seed
and the same options, each on a fresh process (no state carried over). Shrinking is off and every
case of an operation runs even after a failure, so both runs send the same requests in the same
order; they are paired by (method, path and query, body). Where the runs part (schemathesis adapts
to the answers it gets), each of our 5xx cases with no twin is sent to conductor-oss once more,
after its run, and paired with that answer.

A defect is a request the embedded server answers 5xx and conductor-oss 4xx, or a panic in the
embedded server's log. The script prints them (grouped by operation and message) and exits 1 when
there is one.

Usage (from the repository root; needs `pip install schemathesis`, Java 21 for conductor-oss):

    python3 scripts/fuzz_api.py [--seed 42] [--max-examples 20] [--oss-version 3.32.3]
        [--out target/fuzz-api] [--compare-only]

`--replay-only` starts conductor-oss just for that replay; `--compare-only` re-reads the cassettes of an earlier run in `--out`; `--reuse-real` runs only the
embedded server and compares with conductor-oss's cassette of an earlier run (valid while the
document, seed and options are the same).
"""

import argparse
import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server at {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{url} did not answer GET /health within {timeout} s")


def stop(process):
    """Ends a server this script started (its own process group) and waits for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def schemathesis(args, schema, url, cassette, log):
    command = [
        args.schemathesis, "run", schema, "--url", url,
        "--seed", str(args.seed), "--max-examples", str(args.max_examples),
        "--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-shrink",
        "--continue-on-failure", "--checks", "not_a_server_error",
        "--suppress-health-check", "all", "--request-timeout", "60",
        "--report", "vcr", "--report-vcr-path", cassette,
    ]
    # Run in a folder of its own: schemathesis keeps a cache of the failures it found in its
    # working directory and replays them first, which would put one run's cases into the other.
    cache = os.path.join(os.path.dirname(cassette), "cache-" + os.path.basename(cassette))
    os.makedirs(cache, exist_ok=True)
    with open(log, "w") as out:
        # schemathesis exits 1 when a check failed: that is expected here, the comparison decides.
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False, cwd=cache)


def run_ours(args, out):
    subprocess.run(["cargo", "build", "-q", "-p", "conductor-server"], check=True)
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    binary = os.path.join(target, "debug", "conductor-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(out, "ours-server.log"), "w")
    env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "info"), RUST_BACKTRACE="1")
    server = subprocess.Popen([binary, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                              env=env, start_new_session=True)
    try:
        wait_healthy(url, server, 60)
        schema = os.path.join(out, "openapi.json")
        with urllib.request.urlopen(url + "/v3/api-docs") as response, open(schema, "wb") as f:
            f.write(response.read())
        schemathesis(args, schema, url, os.path.join(out, "ours.yaml"),
                     os.path.join(out, "ours-schemathesis.txt"))
    finally:
        stop(server)
        log.close()


def run_real(args, out):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(out, "real-server.log"), "w")
    server = subprocess.Popen(
        ["cargo", "xtask", "oss-server", "--version", args.oss_version, "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(url, server, 600)
        if not args.replay_only:
            schemathesis(args, os.path.join(out, "openapi.json"), url,
                         os.path.join(out, "real.yaml"), os.path.join(out, "real-schemathesis.txt"))
        replay_unpaired(out, url)
    finally:
        stop(server)
        log.close()


Case = collections.namedtuple("Case", "method target body status response")


def unpaired(ours, real):
    """Our cases with no identical request in conductor-oss's run (the two runs' generation can
    part: schemathesis adapts to the answers it gets)."""
    pool = collections.defaultdict(collections.deque)
    for case in real:
        pool[(case.method, case.target, case.body)].append(case)
    left = []
    for case in ours:
        queue = pool.get((case.method, case.target, case.body))
        if queue:
            queue.popleft()
        else:
            left.append(case)
    return left


YAML_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n",
                "v": "\v", "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/",
                "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}


def yaml_unquote(text):
    """The value of a YAML double-quoted scalar (as the cassettes write bodies)."""
    text = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 == len(text):
            out.append(c)
            i += 1
            continue
        e = text[i + 1]
        width = {"x": 2, "u": 4, "U": 8}.get(e)
        if width:
            out.append(chr(int(text[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:
            out.append(YAML_ESCAPES.get(e, e))
            i += 2
    return "".join(out)


def replay_unpaired(out, url):
    """Sends each of our unpaired 5xx cases to conductor-oss as it was sent to us, and keeps its
    answers in `real-replay.json` for the comparison."""
    ours = read_cassette(os.path.join(out, "ours.yaml"))
    real = read_cassette(os.path.join(out, "real.yaml"))
    answers = []
    for case in unpaired(ours, real):
        if case.status < 500:
            continue
        body = yaml_unquote(case.body).encode("utf-8", "surrogatepass") if case.body else None
        request = urllib.request.Request(url + case.target, data=body, method=case.method,
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except OSError as error:
            status, text = 0, str(error)
        answers.append({"method": case.method, "target": case.target, "body": case.body,
                        "status": status, "response": json.dumps(text)})
    with open(os.path.join(out, "real-replay.json"), "w") as f:
        json.dump(answers, f)


def read_cassette(path):
    """The interactions of a schemathesis VCR cassette, read line by line (they are large)."""
    cases = []
    current = None
    section = None
    in_body = False
    host = re.compile(r"^https?://[^/]+")

    def finish():
        if current and current.get("status") is not None:
            cases.append(Case(current["method"], current["target"], current.get("body", ""),
                              current["status"], current.get("response", "")))

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("- id: "):
                finish()
                current, section, in_body = {}, None, False
            elif current is None:
                continue
            elif line.startswith("  request:"):
                section, in_body = "request", False
            elif line.startswith("  response:"):
                section, in_body = "response", False
            elif line.startswith("    body:"):
                in_body = True
            elif line.startswith("    ") and not line.startswith("     "):
                in_body = False
                if section == "request" and line.startswith("    uri: "):
                    current["target"] = host.sub("", line[len("    uri: "):].strip().strip("'"))
                elif section == "request" and line.startswith("    method: "):
                    current["method"] = line.split("'")[1]
            elif section == "response" and line.startswith("      code: "):
                current["status"] = int(line.split("'")[1])
            elif in_body and line.startswith("      string: "):
                key = "body" if section == "request" else "response"
                current[key] = line[len("      string: "):].strip()
    finish()
    return cases


def operations(out):
    """(method, regex, template) of every operation of the document, literal paths first."""
    with open(os.path.join(out, "openapi.json")) as f:
        paths = json.load(f)["paths"]
    ops = []
    for template, item in paths.items():
        pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]*", re.escape(template)) + "$"
        for method in item:
            ops.append((template.count("{"), method.upper(), re.compile(pattern), template))
    ops.sort(key=lambda op: op[0])
    return [op[1:] for op in ops]


def operation_of(ops, method, target):
    """The document's operation a request was made for (`GET /api/workflow/{workflowId}`)."""
    path = urllib.parse.unquote(target.split("?", 1)[0])
    for op_method, pattern, template in ops:
        if op_method == method and pattern.match(path):
            return f"{method} {template}"
    return f"{method} (unlisted) {path[:60]}"


def message_class(body):
    """An error body's message with values blanked, so equal defects group together."""
    try:
        message = json.loads(json.loads(body)).get("message", "")
    except (ValueError, TypeError, AttributeError):
        message = body
    message = re.sub(r"'[^']*'|\\\"[^\\]*\\\"|\"[^\"]*\"|`[^`]*`", "…", str(message))
    message = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", message)
    return re.sub(r"-?\d+", "N", message)[:100]


# conductor-oss's answers to a replayed request that say the request cannot be compared: the
# workflow id exists only in our run's state, or the route is one conductor-oss does not have.
NOT_COMPARABLE = ("No such workflow found by id", "No static resource")


def compare(out):
    ours = read_cassette(os.path.join(out, "ours.yaml"))
    real = read_cassette(os.path.join(out, "real.yaml"))
    replayed = []
    replay = os.path.join(out, "real-replay.json")
    if os.path.exists(replay):
        with open(replay) as f:
            replayed = [Case(r["method"], r["target"], r["body"], r["status"], r["response"])
                        for r in json.load(f)]
    pool = collections.defaultdict(collections.deque)
    for case in real + replayed:
        pool[(case.method, case.target, case.body)].append(case)
    replayed_set = set(replayed)
    defects, ours_5xx_real_2xx, unpaired_count, not_comparable = [], 0, 0, 0
    for case in ours:
        queue = pool.get((case.method, case.target, case.body))
        if not queue:
            unpaired_count += 1
            continue
        theirs = queue.popleft()
        if theirs in replayed_set and theirs.status == 404 and any(
                marker in theirs.response for marker in NOT_COMPARABLE):
            # The id came from our run's state, or the route is ours only: no twin to compare.
            not_comparable += 1
            continue
        if case.status >= 500 and 400 <= theirs.status < 500:
            defects.append((case, theirs))
        elif case.status >= 500 and theirs.status < 300:
            ours_5xx_real_2xx += 1
    panics = []
    log = os.path.join(out, "ours-server.log")
    if os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as f:
            panics = [line.rstrip() for line in f if "panicked" in line]
    ops = operations(out)
    groups = {}
    for case, theirs in defects:
        key = (operation_of(ops, case.method, case.target), case.status, theirs.status,
               message_class(case.response))
        groups.setdefault(key, []).append((case, theirs))
    report = {
        "cases_ours": len(ours),
        "cases_real": len(real),
        "paired": len(ours) - unpaired_count,
        "unpaired": unpaired_count,
        "replayed_on_real": len(replayed),
        "replayed_not_comparable": not_comparable,
        "ours_5xx": sum(1 for c in ours if c.status >= 500),
        "real_5xx": sum(1 for c in real if c.status >= 500),
        "defects_5xx_vs_4xx": len(defects),
        "defect_groups": len(groups),
        "ours_5xx_real_2xx": ours_5xx_real_2xx,
        "panics": len(panics),
    }
    print(json.dumps(report, indent=2))
    for (operation, mine, theirs_status, message), cases in sorted(
            groups.items(), key=lambda g: -len(g[1])):
        case, theirs = cases[0]
        print(f"\n{len(cases):5} × {operation}: ours {mine}, conductor-oss {theirs_status}: {message}")
        print(f"      e.g. {case.method} {case.target[:200]}")
        print(f"      body {case.body[:200]}")
        print(f"      ours {case.response[:200]}")
        print(f"      oss  {theirs.response[:200]}")
    for line in panics[:20]:
        print("PANIC", line)
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f, indent=2)
    return not defects and not panics


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--oss-version", default="3.32.3")
    parser.add_argument("--out", default=os.path.join("target", "fuzz-api"))
    parser.add_argument("--schemathesis", default="schemathesis")
    parser.add_argument("--compare-only", action="store_true")
    parser.add_argument("--replay-only", action="store_true",
                        help="start conductor-oss only to replay our unpaired 5xx cases")
    parser.add_argument("--reuse-real", action="store_true",
                        help="keep conductor-oss's cassette of an earlier run with the same "
                             "document, seed and options (it does not change with our fixes)")
    args = parser.parse_args()
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    if args.replay_only:
        run_real(args, args.out)
    elif not args.compare_only:
        run_ours(args, args.out)
        if not (args.reuse_real and os.path.exists(os.path.join(args.out, "real.yaml"))):
            run_real(args, args.out)
    sys.exit(0 if compare(args.out) else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Fuzzes a running `sluice serve` and `sluice validate` with mutated input.

Requests: seeds of every route (signed slash commands, Events API envelopes, block_actions
payloads, url_verification, the GET routes) are mutated (bytes flipped, cut, repeated, inflated,
fields retyped, nested, unicode) and, mostly, signed again with the signing secret so that they
reach the handlers behind the signature check. A request fails the run when the server answers
5xx, takes more than 2 s, or the server process is gone.

Manifests: the demo manifest and small variants, mutated (YAML aliases and merge keys, deep
nesting, huge values, random bytes), each run through `sluice validate FILE`. A manifest fails the
run when validate takes more than 2 s, or dies of a signal (a crash), or exits with a code other
than 0 (valid) or 1 (problems reported).

Deterministic for a given SEED. Prints the counts; exit code 1 on any failure.
"""
import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

SECRET = "fuzz-signing-secret-0123456789abcdef"
LIMIT_SECONDS = 2.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(body: bytes, ts: int) -> str:
    base = b"v0:" + str(ts).encode() + b":" + body
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def form(fields):
    return urllib.parse.urlencode(fields).encode()


COMMANDS = [
    "help", "status", "status shop", "runs shop", "run shop", "rerun 1", "rerun 1 --all", "backfill shop 2026-01-01 2026-01-03",
    "freshness", "volume raw.orders", "cost", "cost shop", "alerts", "ack 1", "mute raw.orders 4h flaky", "unmute raw.orders",
    "details 1", "digest", "run shop --full-refresh", "help run", "", "😀 " * 50,
]


def command_seed(rng):
    return "/slack/commands", "application/x-www-form-urlencoded", form([
        ("token", "x"), ("team_id", "T0001"), ("team_domain", "example"), ("channel_id", "C0FUZZ"), ("channel_name", "fuzz"),
        ("user_id", rng.choice(["U0123ABCD", "U0BYSTANDER"])), ("user_name", "fuzz"), ("command", "/sluice"),
        ("text", rng.choice(COMMANDS)), ("api_app_id", "A1"), ("response_url", "http://127.0.0.1:9/response/x"),
        ("trigger_id", "1.2.3"),
    ])


def event_seed(rng):
    event = {
        "type": rng.choice(["app_mention", "message", "app_home_opened"]), "user": rng.choice(["U0123ABCD", "U0BYSTANDER"]),
        "text": "<@U0BOT> " + rng.choice(["ack", "mute 4h flaky", "resolve", "details", "rerun", "hello"]),
        "ts": "1700000999.000200", "channel": "C0FUZZ", "event_ts": "1700000999.000200", "thread_ts": "1700000001.000100",
    }
    envelope = {
        "token": "x", "team_id": "T0001", "api_app_id": "A1", "event": event, "type": "event_callback",
        "event_id": "Ev%08d" % rng.randrange(10**8), "event_time": 1700000999,
        "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
    }
    if rng.random() < 0.1:
        envelope = {"type": "url_verification", "challenge": "c" * rng.randrange(1, 200)}
    return "/slack/events", "application/json", json.dumps(envelope).encode()


ACTIONS = ["alert.ack", "alert.mute.4h", "alert.details", "run.rerun", "run.confirm-cost", "backfill.cancel", "nonsense"]


def action_seed(rng):
    payload = {
        "type": "block_actions", "user": {"id": rng.choice(["U0123ABCD", "U0BYSTANDER"]), "username": "fuzz", "team_id": "T0001"},
        "api_app_id": "A1", "token": "x", "trigger_id": "1.2", "team": {"id": "T0001"}, "channel": {"id": "C0FUZZ", "name": "fuzz"},
        "response_url": "http://127.0.0.1:9/response/x",
        "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": "C0FUZZ"},
        "message": {"type": "message", "ts": "1700000001.000100", "text": "alert"},
        "actions": [{"action_id": rng.choice(ACTIONS), "block_id": "b", "value": str(rng.randrange(-5, 50)), "type": "button"}],
    }
    return "/slack/interactions", "application/x-www-form-urlencoded", form([("payload", json.dumps(payload))])


def mutate_bytes(rng, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randrange(1, 6)):
        choice = rng.random()
        if not data:
            data += os.urandom(rng.randrange(1, 64))
        elif choice < 0.25:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.4:
            cut = rng.randrange(len(data))
            data = data[:cut]
        elif choice < 0.55:
            at = rng.randrange(len(data))
            data[at:at] = os.urandom(rng.randrange(1, 32))
        elif choice < 0.65:
            start = rng.randrange(len(data))
            piece = data[start:start + rng.randrange(1, 64)]
            data[start:start] = piece * rng.randrange(2, 2000)
        elif choice < 0.75:
            data += rng.choice([b"&text=", b"&payload=", b"%", b"%ZZ", b"&&&", b"=" * 100, b"\x00", "é✓😀".encode()])
        elif choice < 0.85:
            at = rng.randrange(len(data))
            data[at:at] = rng.choice([b"[" * 5000, b"{\"a\":" * 2000, b"%7B" * 3000])
        else:
            at = rng.randrange(len(data))
            data[at:at] = b"x" * rng.randrange(1000, 300_000)
    return bytes(data)


def mutate_json(rng, body: bytes) -> bytes:
    try:
        value = json.loads(body)
    except ValueError:
        return mutate_bytes(rng, body)

    def walk(node, depth=0):
        if isinstance(node, dict):
            out = {}
            for key, child in node.items():
                r = rng.random()
                if r < 0.08:
                    continue
                if r < 0.16:
                    out[key] = rng.choice([None, 0, -1, 1e308, True, "", [], {}, "x" * 10000, [child] * 50])
                else:
                    out[key] = walk(child, depth + 1)
            if rng.random() < 0.05:
                out["extra"] = walk(node, depth + 1) if depth < 4 else 1
            return out
        if isinstance(node, list):
            if node and rng.random() < 0.1:
                return node * rng.randrange(2, 500)
            return [walk(child, depth + 1) for child in node]
        if isinstance(node, str) and rng.random() < 0.2:
            return rng.choice(["", "🙂" * 1000, node[::-1], node + "\u0000", "<!channel>", "' or 1=1 --"])
        return node

    return json.dumps(walk(value)).encode()


def mutated_request(rng):
    seed = rng.choice([command_seed, event_seed, action_seed])
    path, content_type, body = seed(rng)
    r = rng.random()
    if r < 0.35:
        body = mutate_bytes(rng, body)
    elif r < 0.7:
        if content_type == "application/json":
            body = mutate_json(rng, body)
        elif path == "/slack/interactions":
            fields = urllib.parse.parse_qs(body.decode())
            payload = fields.get("payload", ["{}"])[0].encode()
            body = form([("payload", mutate_json(rng, payload).decode(errors="replace"))])
        else:
            body = mutate_bytes(rng, body)
    ts = int(time.time())
    headers = {"Content-Type": rng.choice([content_type, content_type, "text/plain", "application/json", ""])}
    s = rng.random()
    if s < 0.85:
        headers["X-Slack-Request-Timestamp"] = str(ts)
        headers["X-Slack-Signature"] = sign(body, ts)
    elif s < 0.9:
        headers["X-Slack-Request-Timestamp"] = str(ts - 3600)
        headers["X-Slack-Signature"] = sign(body, ts - 3600)
    elif s < 0.95:
        headers["X-Slack-Request-Timestamp"] = "nope"
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    if rng.random() < 0.05:
        headers["X-Slack-Retry-Num"] = str(rng.randrange(1, 4))
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return path, headers, body


def fuzz_server(binary, workdir, rng, iterations, counts, failures):
    port = free_port()
    env = dict(os.environ, SLUICE_HOST="127.0.0.1", SLUICE_PORT=str(port), SLACK_SIGNING_SECRET=SECRET,
               SLUICE_STATE=os.path.join(workdir, "state.sqlite"), SLUICE_MANIFEST=os.path.join(workdir, "manifest", "sluice.yml"),
               LOG_LEVEL="error")
    env.pop("SLACK_BOT_TOKEN", None)
    log = open(os.path.join(workdir, "serve.log"), "wb")
    server = subprocess.Popen([binary, "serve"], cwd=workdir, env=env, stdout=log, stderr=log)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            failures.append("sluice serve did not start (see serve.log)")
            return
        for i in range(iterations):
            if i % 50 == 0:
                path, headers, body = rng.choice(["/healthz", "/readyz", "/metrics", "/nope"]), {}, b""
                method = "GET"
            else:
                path, headers, body = mutated_request(rng)
                method = "POST"
            started = time.time()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request(method, path, body=body, headers=headers)
                status = c.getresponse().status
            except OSError as error:
                status = None
                if server.poll() is not None:
                    failures.append(f"request {i} to {path}: the server died (exit {server.returncode}) after {body[:120]!r}")
                    return
                failures.append(f"request {i} to {path}: {error} after {body[:120]!r}")
            elapsed = time.time() - started
            counts["requests"] += 1
            if status is not None:
                counts[f"HTTP {status}"] = counts.get(f"HTTP {status}", 0) + 1
                if status >= 500:
                    failures.append(f"request {i} to {path}: HTTP {status} for {body[:120]!r}")
            if elapsed > LIMIT_SECONDS:
                failures.append(f"request {i} to {path}: took {elapsed:.2f} s for {body[:120]!r}")
            counts["slowest request (s)"] = max(counts.get("slowest request (s)", 0), round(elapsed, 3))
        if server.poll() is not None:
            failures.append(f"the server died (exit {server.returncode})")
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                failures.append("sluice serve did not stop within 30 s of SIGTERM")
        log.close()


def mutate_manifest(rng, text):
    lines = text.split("\n")
    for _ in range(rng.randrange(1, 5)):
        r = rng.random()
        at = rng.randrange(len(lines) + 1)
        if r < 0.15:
            depth = rng.randrange(3, 12)
            bomb = ["m0: &m0 {a: 1, b: 2}"] + [f"m{i}: &m{i}\n  <<: [{', '.join([f'*m{i-1}'] * 10)}]" for i in range(1, depth)]
            lines[0:0] = bomb
        elif r < 0.25:
            lines.insert(at, "x: " + "[" * rng.randrange(10, 3000) + "]" * rng.randrange(0, 3000))
        elif r < 0.35:
            lines.insert(at, "timezone: " + rng.choice(["A", "Europe/Londo", "é"]) * rng.randrange(1000, 3_000_000))
        elif r < 0.5 and lines:
            del lines[rng.randrange(len(lines))]
        elif r < 0.65 and lines:
            i = rng.randrange(len(lines))
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif r < 0.75:
            lines.insert(at, rng.choice(["  ", "\t", "- ", ": ", "&a", "*a", "<<: *a", "? ", "!!binary x", "%YAML 1.1", "---", "..."]) * rng.randrange(1, 20))
        elif r < 0.85 and lines:
            i = rng.randrange(len(lines))
            lines.insert(at, lines[i])
        else:
            lines.insert(at, os.urandom(rng.randrange(1, 40)).decode("latin-1"))
    return "\n".join(lines)


def fuzz_validate(binary, workdir, rng, iterations, counts, failures):
    seeds = []
    for name in ("sluice.yml", "bigquery.example.yml"):
        path = os.path.join(workdir, "manifest", name)
        if os.path.exists(path):
            seeds.append(open(path, encoding="utf-8").read())
    target = os.path.join(workdir, "manifest", "fuzz.yml")
    env = dict(os.environ, LOG_LEVEL="error", GCE_METADATA_HOST="127.0.0.1:9")
    for i in range(iterations):
        text = mutate_manifest(rng, rng.choice(seeds))
        with open(target, "w", encoding="utf-8", errors="replace") as f:
            f.write(text)
        started = time.time()
        try:
            done = subprocess.run([binary, "validate", target], cwd=workdir, env=env, capture_output=True, timeout=LIMIT_SECONDS * 5)
        except subprocess.TimeoutExpired:
            failures.append(f"manifest {i}: validate ran past {LIMIT_SECONDS * 5:.0f} s (kept in {target}.{i})")
            shutil.copy(target, f"{target}.{i}")
            continue
        elapsed = time.time() - started
        counts["manifests"] += 1
        counts[f"validate exit {done.returncode}"] = counts.get(f"validate exit {done.returncode}", 0) + 1
        counts["slowest validate (s)"] = max(counts.get("slowest validate (s)", 0), round(elapsed, 3))
        if done.returncode < 0 or done.returncode not in (0, 1):
            kept = f"{target}.{i}"
            shutil.copy(target, kept)
            failures.append(f"manifest {i}: validate exited {done.returncode} (kept in {kept}): {done.stderr[-300:]!r}")
        elif elapsed > LIMIT_SECONDS:
            kept = f"{target}.{i}"
            shutil.copy(target, kept)
            failures.append(f"manifest {i}: validate took {elapsed:.2f} s (kept in {kept})")


def main():
    binary, repo = sys.argv[1], sys.argv[2]
    seed = int(os.environ.get("SEED", "20261204"))
    requests_n = int(os.environ.get("REQUESTS", "3000"))
    manifests_n = int(os.environ.get("MANIFESTS", "300"))
    rng = random.Random(seed)
    workdir = tempfile.mkdtemp(prefix="sluice-fuzz-")
    shutil.copytree(os.path.join(repo, "manifest"), os.path.join(workdir, "manifest"), ignore=shutil.ignore_patterns("demo"))
    counts = {"requests": 0, "manifests": 0}
    failures = []
    fuzz_server(binary, workdir, rng, requests_n, counts, failures)
    fuzz_validate(binary, workdir, rng, manifests_n, counts, failures)
    print(f"seed {seed}: {counts['requests']} requests, {counts['manifests']} manifests")
    for key in sorted(k for k in counts if k not in ("requests", "manifests")):
        print(f"  {key}: {counts[key]}")
    if failures:
        print(f"{len(failures)} failure(s); the work folder is {workdir}")
        for failure in failures[:50]:
            print("  " + failure)
        sys.exit(1)
    shutil.rmtree(workdir, ignore_errors=True)
    print("no crash, no 5xx, nothing slower than 2 s")


if __name__ == "__main__":
    main()

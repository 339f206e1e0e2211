#!/usr/bin/env python3
"""Scale-out check: 2 web servers and 3 judge workers on one Postgres, on loopback, under load,
then the queue's invariants checked in SQL. Run by scripts/test (via scripts/scale-out-check).

Starts a throwaway cluster (target/scale-out-pg), migrates it once, imports a copy of the built-in
`tag` task as `scale-out` with routing that sends most items to people (threshold 0.9; half the
confident rest audited by K=2 people), creates an admin with an API token and 24 annotators
(`cojudge user add`, `cojudge token create`), starts `fake-openai --latency-ms 30`, two `cojudge
serve --embedded-worker false` and three `cojudge worker --metrics-addr …`, all on the one database.
Review leases are short (5 s) so that lapsed holds are taken over during the run.

Then, at once:
- two importers POST ~3,000 items to /api/v1/items, one through each web server, paced over a few
  seconds; the first batch goes to both servers at the same instant and one batch is sent to both
  again at the end (idempotency: those lines must come back `unchanged`); a few items are golden,
  a few carry a judgment made offline;
- the three workers judge the rest;
- 24 annotators sign in, half on each server, and claim and answer over HTTP flat out, each
  request on a server picked at random (so many answers are claimed on one server and sent to the
  other: sessions and holds live in Postgres); some skip, some hand an item back, some re-send an
  answer to the other server (a retry: it must come back `duplicate`), and some walk away from
  an item and answer it after its lease lapsed (counted if nobody took it, else kept uncounted);
- the admin adjudicates the items whose two annotators disagreed;
until every item is judged and no review slot is left open.

Then it checks /readyz and /metrics of every process and, in SQL, that every item was judged or
routed exactly once, no (item, judge configuration) has two judgments, no item has more counted
answers than its K and all from distinct people, nobody has two counted answers on one item, every
answer a client was told was saved is stored as it was told, every item met its requirements and
then has exactly one final verdict of the provenance its route and answers call for (and none
before), and that no process logged an error. Prints a short report; exits 1 on any violation. Every process and the cluster are stopped whatever happens (the cluster's files are
kept after a failure, for inspection). Standard library only.

Usage: bench/scale_out_check.py [--items 3000] [--annotators 24] [--max-seconds 150]
"""
import argparse
import ctypes
import csv
import http.client
import json
import os
import queue
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import zlib
from collections import Counter

from benchlib import BIN, ROOT, database_url, run

FAKE = os.path.join(ROOT, "target/release/fake-openai")
CLUSTER = os.path.join(ROOT, "target/scale-out-pg")
WORK = os.path.join(ROOT, "target/scale-out")
TASK = "scale-out"
CRITERIA = ("relevance", "consistency", "specificity", "validity")
ADMIN_EMAIL, ADMIN_PASSWORD = "scale-admin@example.org", "scale-admin-password"
PASSWORD = "scale-annotator-password"
LEASE_SECS = 5        # review holds: short, so lapsed holds are taken over during the run
BATCH = 100           # items per REST request

# What annotators do with a claimed item, per 1,000 claims (the rest are answered).
SKIP, RELEASE, WALK_AWAY, RESEND = 30, 20, 15, 50
# Per 1,000 (annotator, item, criterion): answers `fail` instead of `pass`, so that some K=2 items
# disagree and go to adjudication.
FAIL = 40


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--annotators", type=int, default=24)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--import-seconds", type=float, default=8, help="spread the imports over this long")
    parser.add_argument("--max-seconds", type=float, default=150, help="give up on the load phase after this long")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(WORK, exist_ok=True)
    started = time.monotonic()
    cluster = Cluster(args)
    ok = False
    try:
        cluster.start()
        health = Health()
        load = Load(cluster, args, health)
        load.run()
        cluster.probe_all(health)
        checks = Checks(cluster, load)
        checks.run()
        metrics = cluster.scrape_metrics()
        report(cluster, load, checks, health, metrics, time.monotonic() - started)
        ok = not checks.violations and not health.failures
    finally:
        cluster.stop(keep_data=not ok)
    sys.exit(0 if ok else 1)


# ---- the cluster: Postgres, the fake judge, web servers and workers ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent():
    """In the child: SIGTERM when the driver dies, so no process outlives a killed check."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def psql(db, sql, tuples=True):
    flags = ["-qtA", "-F", "\t"] if tuples else ["-q"]
    return run(["psql", "-X", "-v", "ON_ERROR_STOP=1", *flags, db, "-c", sql])


def rows(db, sql):
    return [line.split("\t") for line in psql(db, sql).splitlines() if line]


def scalar(db, sql):
    return int(psql(db, sql).strip() or 0)


class Cluster:
    def __init__(self, args):
        self.args = args
        self.processes = []   # (name, Popen)
        self.webs = []        # (name, port)
        self.workers = []     # (name, metrics port)
        self.db = None

    def env(self, **extra):
        return {**os.environ, "DATABASE_URL": self.db, "RUST_LOG": "warn", "COJUDGE_LOG_FORMAT": "json",
                "COJUDGE_EXPORT_DIR": os.path.join(WORK, "exports"), **extra}

    def start(self):
        print(f"starting a Postgres cluster, 2 web servers and {self.args.workers} workers …", flush=True)
        subprocess.run([BIN, "db", "destroy", "--data-dir", CLUSTER], capture_output=True)
        admin = run([BIN, "db", "start", "--data-dir", CLUSTER]).strip()
        run(["psql", "-X", "-q", database_url(admin, "postgres"), "-c", "CREATE DATABASE scale_out"])
        self.db = database_url(admin, "scale_out")
        run([BIN, "migrate"], env=self.env())
        self.setup_task_and_accounts()
        endpoint = self.start_fake()
        for name in ("web-a", "web-b"):
            port = free_port()
            self.spawn(name, [BIN, "serve", "--port", str(port), "--demo", "never", "--embedded-worker", "false",
                              "--review-lease-secs", str(LEASE_SECS), "--ops-sample-secs", "2"])
            self.webs.append((name, port))
        for n in range(1, self.args.workers + 1):
            port = free_port()
            self.spawn(f"worker-{n}", [BIN, "worker", "--metrics-addr", f"127.0.0.1:{port}", "--judge-concurrency", "8",
                                       "--judge-grace-secs", "2", "--ops-sample-secs", "2"],
                       OPENAI_BASE_URL=endpoint, COJUDGE_JUDGE_MODEL="fake-judge")
            self.workers.append((f"worker-{n}", port))
        for name, port in self.webs + self.workers:
            self.wait_healthy(name, port)

    def setup_task_and_accounts(self):
        task_file = os.path.join(WORK, "scale-out.toml")
        text = open(os.path.join(ROOT, "tasks/tag.toml")).read()
        for pattern, value in ((r'^name = "tag"', f'name = "{TASK}"'),
                               (r"^confidence_threshold = [0-9.]+", "confidence_threshold = 0.9"),
                               (r"^audit_rate = [0-9.]+", "audit_rate = 0.5"),
                               (r"^annotations_per_item = \d+", "annotations_per_item = 1"),
                               (r"^annotations_per_audit_item = \d+", "annotations_per_audit_item = 2")):
            text, count = re.subn(pattern, value, text, flags=re.M)
            if count != 1:
                sys.exit(f"tasks/tag.toml: no line matches {pattern}")
        with open(task_file, "w") as f:
            f.write(text)
        env = self.env()
        run([BIN, "task", "import", task_file], env=env)
        add = [(ADMIN_EMAIL, "admin", ADMIN_PASSWORD)] + [
            (annotator_email(i), "annotator", PASSWORD) for i in range(self.args.annotators)]
        for email, role, password in add:
            result = subprocess.run([BIN, "user", "add", "--email", email, "--role", role, "--password-stdin"],
                                    input=password + "\n", text=True, env=env, capture_output=True)
            if result.returncode != 0:
                sys.exit(f"cojudge user add {email}: {result.stderr}")
        out = run([BIN, "token", "create", "--name", "scale-out", "--role", "admin"], env=env)
        self.token = re.search(r"cjt_[A-Za-z0-9]+", out).group(0)
        self.task_id = scalar(self.db, f"SELECT id FROM tasks WHERE name = '{TASK}'")

    def start_fake(self):
        out = os.path.join(WORK, "fake-openai.out")
        self.spawn("fake-openai", [FAKE, "--port", "0", "--latency-ms", "30"], stdout=out)
        for _ in range(100):
            found = re.search(r"http://\S+", open(out).read())
            if found:
                return found.group(0)
            time.sleep(0.1)
        sys.exit("the fake judge endpoint did not start")

    def spawn(self, name, command, stdout=None, **extra_env):
        log = open(os.path.join(WORK, f"{name}.log"), "w")
        out = open(stdout, "w") if stdout else log
        process = subprocess.Popen(command, env=self.env(**extra_env), stdout=out, stderr=log,
                                   preexec_fn=die_with_parent, cwd=ROOT)
        self.processes.append((name, process))

    def wait_healthy(self, name, port):
        for _ in range(300):
            for process_name, process in self.processes:
                if process.poll() is not None:
                    sys.exit(f"{process_name} exited ({process.returncode}); see {WORK}/{process_name}.log")
            if get(port, "/healthz")[0] == 200:
                return
            time.sleep(0.1)
        sys.exit(f"{name} did not answer /healthz on port {port}")

    def probe_all(self, health):
        """/readyz of every web server and every worker's metrics port; /metrics of the workers."""
        for name, port in self.webs:
            health.expect(name, "/readyz", get(port, "/readyz")[0])
        for name, port in self.workers:
            for path in ("/healthz", "/readyz", "/metrics"):
                health.expect(name, path, get(port, path)[0])
        for name, process in self.processes:
            if process.poll() is not None:
                health.failures.append(f"{name} exited early with status {process.returncode}")

    def read_logs(self):
        """Every process's log (JSON lines): its errors and panics, and its warnings by message."""
        errors, warnings = [], Counter()
        for name, _ in self.processes:
            for line in open(os.path.join(WORK, f"{name}.log"), errors="replace"):
                if "panicked" in line:
                    errors.append(f"{name}: {line.strip()[:300]}")
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                level, message = entry.get("level"), str(entry.get("message", ""))
                if level == "ERROR":
                    errors.append(f"{name}: {line.strip()[:300]}")
                elif level == "WARN":
                    warnings[re.sub(r":.*", "", message)[:60]] += 1
        return errors, warnings

    def scrape_metrics(self):
        """Per process: HTTP requests served (web) or judge calls made (workers), from /metrics."""
        found = {}
        for name, port in self.webs:
            found[name] = metric_sum(get(port, "/metrics")[1], "cojudge_http_requests_total")
        for name, port in self.workers:
            found[name] = metric_sum(get(port, "/metrics")[1], "cojudge_judge_calls_total", 'outcome="judged"')
        return found

    def stop(self, keep_data):
        for _, process in self.processes:
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"  {name} did not stop within 20 s: killed", flush=True)
                process.kill()
                process.wait()
        command = "stop" if keep_data else "destroy"
        subprocess.run([BIN, "db", command, "--data-dir", CLUSTER], capture_output=True)
        if keep_data:
            print(f"the cluster's files are kept: {BIN} db start --data-dir {CLUSTER}; logs in {WORK}", flush=True)


class Health:
    def __init__(self):
        self.failures, self.probes = [], 0
        self.lock = threading.Lock()

    def expect(self, name, path, status):
        with self.lock:
            self.probes += 1
            if status != 200:
                self.failures.append(f"{name} {path}: {status}")


def metric_sum(text, name, must_contain=""):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and must_contain in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def get(port, path):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        connection.close()
        return response.status, body
    except OSError as error:
        return f"unreachable ({error})", ""


# ---- items ----

AGES = ["18-24", "25-34", "35-44", "45-54", "55+"]
INTERESTS = ["tennis", "pour-over coffee", "hiking", "knitting", "camping", "running", "gardening", "baking"]
MODIFIERS = ["lightweight", "waterproof", "ergonomic", "insulated", "hand-dyed", "breathable", "compact"]
CORES = ["tennis string", "coffee grinder", "hiking boots", "merino yarn", "camping mug", "running shorts",
         "pruning shears", "proofing basket"]


def make_item(n, rng):
    interests = rng.sample(INTERESTS, 2)
    item = {
        "external_id": f"scale-{n:05d}",
        "context": {"user": {"age_band": rng.choice(AGES), "gender": rng.choice(["female", "male"]),
                             "city_tier": rng.randint(1, 5)},
                    "interests": interests,
                    "recent": {"clicks": [rng.choice(CORES)], "purchases": [rng.choice(CORES)],
                               "searches": [f"{rng.choice(MODIFIERS)} {rng.choice(CORES)}"]}},
        "output": {"tags": [{"tag": f"{rng.choice(MODIFIERS)} {rng.choice(CORES)}", "interest": interests[0],
                             "reason": f"goes with what they bought (order {n})"}]},
        "generator": {"model": "scale-gen", "version": f"v{n % 3}"},
    }
    if n % 50 == 7:  # golden: always to people, K=2
        item["golden"] = {c: "pass" for c in CRITERIA}
    elif n % 20 == 3:  # judged offline: routed at import, never by a worker
        confident = n % 40 == 3
        item["judgment"] = {"labels": {c: "pass" for c in CRITERIA},
                            "confidence": {c: 0.99 if confident else 0.6 for c in CRITERIA},
                            "model": "offline-judge", "prompt_version": "v1"}
    return item


def annotator_email(i):
    return f"scale-annotator-{i:02d}@example.org"


# ---- HTTP clients ----

class Client:
    """One person's keep-alive connections to the web servers, with their session cookie."""

    def __init__(self, webs, stats):
        self.webs, self.stats = webs, stats
        self.connections, self.cookie = {}, None

    def post(self, web, path, body, content_type, extra_headers=None):
        name, port = web
        headers = {"Content-Type": content_type, "Accept": "application/json",
                   "Origin": f"http://127.0.0.1:{port}", **(extra_headers or {})}
        if self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in range(3):
            connection = self.connections.get(port)
            if connection is None:
                connection = self.connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                self.stats.count(name, path)
                return response, data
            except (http.client.HTTPException, OSError):
                connection.close()
                del self.connections[port]
                if attempt == 2:
                    raise
                time.sleep(0.2)  # the page retries the same request; every request here is idempotent

    def sign_in(self, web, email, password):
        body = urllib.parse.urlencode({"email": email, "password": password, "next": ""})
        response, _ = self.post(web, "/api/auth/login", body, "application/x-www-form-urlencoded")
        cookies = [c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or []]
        if response.status not in (200, 302, 303) or not cookies:
            raise RuntimeError(f"sign-in of {email} on {web[0]}: {response.status}")
        self.cookie = "; ".join(cookies)

    def claim(self, web, purpose, holding=()):
        body = urllib.parse.urlencode({"task": TASK, "purpose": purpose, "holding": ",".join(map(str, holding))})
        response, data = self.post(web, "/api/review/next", body, "application/x-www-form-urlencoded")
        if response.status != 200:
            raise RuntimeError(f"claim on {web[0]}: {response.status} {data[:200]!r}")
        return json.loads(data)

    def answer(self, web, purpose, body):
        response, data = self.post(web, "/api/review/answer", body, "application/json")
        if response.status != 200:
            raise RuntimeError(f"answer on {web[0]}: {response.status} {data[:200]!r}")
        outcome = json.loads(data)
        return next(iter(outcome)) if isinstance(outcome, dict) else outcome

    def release(self, web, slot_id):
        body = urllib.parse.urlencode({"purpose": "annotate", "slots": str(slot_id)})
        response, data = self.post(web, "/api/review/release", body, "application/x-www-form-urlencoded")
        if response.status != 200:
            raise RuntimeError(f"release on {web[0]}: {response.status} {data[:200]!r}")


class Stats:
    """Requests per (web server, path) as the clients sent them, and what the clients saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = Counter()
        self.events = Counter()
        self.errors = []

    def count(self, web, path):
        with self.lock:
            self.requests[(web, path)] += 1

    def note(self, event, n=1):
        with self.lock:
            self.events[event] += n

    def error(self, message):
        with self.lock:
            self.errors.append(message)


def answer_body(purpose, slot_id, labels, client_id=None):
    answer = {"client_id": client_id or str(uuid.uuid4()), "slot_id": slot_id, "labels": labels,
              "rationale": None, "skip_reason": None if labels else "scale-out check", "flagged": False}
    return answer["client_id"], json.dumps({"purpose": purpose, "answer": answer})


# ---- the load ----

class Load:
    def __init__(self, cluster, args, health):
        self.cluster, self.args, self.health = cluster, args, health
        self.webs = cluster.webs
        self.stats = Stats()
        self.imports_done = threading.Event()
        self.stop = threading.Event()
        self.reports = []     # (web name, import report)
        self.acked = []       # (client_id, email, item_id, slot_id, purpose, outcome, late)
        self.lock = threading.Lock()
        self.timed_out = False

    def run(self):
        a = self.args
        print(f"load: {a.items:,} items over REST through both servers, {a.workers} workers judging, "
              f"{a.annotators} annotators and an adjudicator over HTTP …", flush=True)
        rng = random.Random(8)
        lines = [json.dumps(make_item(n, rng)) for n in range(a.items)]
        self.batches = ["\n".join(lines[i:i + BATCH]) + "\n" for i in range(0, len(lines), BATCH)]
        self.resent_lines = 0
        threads = [threading.Thread(target=self.guard, args=(self.importers,), daemon=True)]
        threads += [threading.Thread(target=self.guard, args=(self.annotator, i), daemon=True)
                    for i in range(a.annotators)]
        threads.append(threading.Thread(target=self.guard, args=(self.adjudicator,), daemon=True))
        self.started = time.monotonic()
        for thread in threads:
            thread.start()
        self.watch()
        for thread in threads:
            thread.join(timeout=30)
        self.elapsed = time.monotonic() - self.started

    def guard(self, target, *args):
        try:
            target(*args)
        except Exception as error:  # noqa: BLE001 — reported as a failure of the check
            self.stats.error(f"{target.__name__}{list(args)}: {type(error).__name__}: {error}")

    def watch(self):
        """Until every item is judged and no review slot is open (or the time is up)."""
        db, task = self.cluster.db, self.cluster.task_id
        last_print = 0.0
        while True:
            time.sleep(0.5)
            items, waiting, open_slots, answers, verdicts = (int(x) for x in rows(db, f"""
                SELECT (SELECT count(*) FROM items WHERE task_id = {task}),
                       (SELECT count(*) FROM items WHERE task_id = {task} AND state IN ('queued', 'judging')),
                       (SELECT count(*) FROM review_slots WHERE task_id = {task} AND annotation_id IS NULL),
                       (SELECT count(*) FROM annotations a JOIN items i ON i.id = a.item_id WHERE i.task_id = {task}),
                       (SELECT count(*) FROM verdicts v JOIN items i ON i.id = v.item_id WHERE i.task_id = {task})""")[0])
            elapsed = time.monotonic() - self.started
            if elapsed - last_print >= 5:
                last_print = elapsed
                self.cluster.probe_all(self.health)  # under load, too
                print(f"  {elapsed:5.1f} s: {items:,} items, {waiting:,} waiting for the judge, {open_slots:,} review "
                      f"slots open, {answers:,} answers, {verdicts:,} verdicts", flush=True)
            if self.imports_done.is_set() and waiting == 0 and open_slots == 0:
                break
            if elapsed > self.args.max_seconds:
                self.timed_out = True
                print(f"  gave up after {elapsed:.0f} s (--max-seconds)", flush=True)
                break
            if len(self.stats.errors) > 50:
                print("  too many client errors: stopping", flush=True)
                break
        self.stop.set()

    # -- importers --

    def importers(self):
        """One thread per web server takes batches from a shared queue. The first batch goes to
        both servers at the same instant; one batch goes to both again at the end."""
        work = queue.Queue()
        for index in range(1, len(self.batches)):
            work.put(index)
        pause = self.args.import_seconds * len(self.webs) / max(1, len(self.batches))
        barrier = threading.Barrier(len(self.webs))

        def importer(web):
            self.post_items(web, 0, barrier)
            while not self.stop.is_set():
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                self.post_items(web, index)
                time.sleep(pause)

        threads = [threading.Thread(target=self.guard, args=(importer, web), daemon=True) for web in self.webs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        again = threading.Barrier(len(self.webs))
        threads = [threading.Thread(target=self.guard, args=(self.post_items, web, len(self.batches) // 2, again),
                                    daemon=True) for web in self.webs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.imports_done.set()

    def post_items(self, web, index, barrier=None):
        client = Client(self.webs, self.stats)
        body = self.batches[index].encode()
        if barrier:
            barrier.wait(timeout=60)
        response, data = client.post(web, f"/api/v1/items?task={TASK}&batch=scale-{index:03d}", body,
                                     "application/x-ndjson", {"Authorization": f"Bearer {self.cluster.token}"})
        if response.status != 200:
            raise RuntimeError(f"import of batch {index} on {web[0]}: {response.status} {data[:300]!r}")
        with self.lock:
            self.reports.append((web[0], json.loads(data)))

    # -- annotators --

    def annotator(self, i):
        """Signs in on one server, then claims and answers on servers picked at random."""
        rng = random.Random(1000 + i)
        email = annotator_email(i)
        client = Client(self.webs, self.stats)
        client.sign_in(self.webs[i % len(self.webs)], email, PASSWORD)
        away = None  # (card, claimed at) of an item walked away from, answered after its lease lapsed
        while not self.stop.is_set():
            if away and time.monotonic() - away[1] > LEASE_SECS + 0.5:
                self.submit(client, rng, email, away[0], "annotate", labels_for(i, away[0]["item_id"]), late=True)
                away = None
            claim_web = rng.choice(self.webs)
            card = client.claim(claim_web, "annotate", [away[0]["slot_id"]] if away else [])
            if card is None:
                time.sleep(0.2)
                continue
            claimed_at = time.monotonic()
            roll = rng.randrange(1000)
            if roll < SKIP:
                self.submit(client, rng, email, card, "annotate", None, claim_web=claim_web)
            elif roll < SKIP + RELEASE:
                client.release(rng.choice(self.webs), card["slot_id"])
                self.stats.note("released")
            elif roll < SKIP + RELEASE + WALK_AWAY and away is None:
                away = (card, claimed_at)
                self.stats.note("walked away")
            else:
                self.submit(client, rng, email, card, "annotate", labels_for(i, card["item_id"]),
                            claim_web=claim_web, claimed_at=claimed_at)

    def adjudicator(self):
        """The admin settles the items whose annotators disagreed, on servers picked at random."""
        rng = random.Random(7)
        client = Client(self.webs, self.stats)
        client.sign_in(self.webs[1 % len(self.webs)], ADMIN_EMAIL, ADMIN_PASSWORD)
        while not self.stop.is_set():
            claim_web = rng.choice(self.webs)
            card = client.claim(claim_web, "adjudicate")
            if card is None:
                time.sleep(0.2)
                continue
            labels = card["answers"][0]["labels"] if card["answers"] else {c: "pass" for c in CRITERIA}
            self.submit(client, rng, ADMIN_EMAIL, card, "adjudicate", labels, claim_web=claim_web,
                        claimed_at=time.monotonic())

    def submit(self, client, rng, email, card, purpose, labels, claim_web=None, claimed_at=None, late=False):
        client_id, body = answer_body(purpose, card["slot_id"], labels)
        web = rng.choice(self.webs)
        outcome = client.answer(web, purpose, body)
        expected = {"skipped"} if labels is None else {"counted", "taken_by_other"} if late else {"counted"}
        if outcome not in expected:
            # A hold younger than the lease cannot have been taken by anyone else.
            young = claimed_at is not None and time.monotonic() - claimed_at < LEASE_SECS - 1
            if outcome != "taken_by_other" or young:
                self.stats.error(f"{email}: slot {card['slot_id']} ({purpose}) answered {outcome}, expected "
                                 f"{' or '.join(sorted(expected))}")
            self.stats.note(f"{outcome} after a slow answer")
        self.stats.note(f"{'late ' if late else ''}{purpose} {outcome}")
        if claim_web is not None and claim_web != web:
            self.stats.note("claimed on one server, answered on the other")
        with self.lock:
            self.acked.append((client_id, email, card["item_id"], card["slot_id"], purpose, outcome, late))
        if rng.randrange(1000) < RESEND:
            other = self.webs[1 - self.webs.index(web)] if len(self.webs) > 1 else web
            again = client.answer(other, purpose, body)
            self.stats.note("re-sent answers")
            if again != "duplicate":
                self.stats.error(f"{email}: answer {client_id} re-sent to {other[0]} came back {again}, not duplicate")


def labels_for(annotator, item_id):
    """Mostly pass; now and then one criterion fails, as this person sees this item."""
    return {c: "fail" if zlib.crc32(f"{annotator}/{item_id}/{c}".encode()) % 1000 < FAIL else "pass"
            for c in CRITERIA}


# ---- the invariants ----

class Checks:
    def __init__(self, cluster, load):
        self.cluster, self.load = cluster, load
        self.db, self.task = cluster.db, cluster.task_id
        self.violations = []   # (invariant, offending count, examples)
        self.passed = []
        self.figures = {}

    def check(self, name, offending):
        """`offending` is a list of example rows (or a count) that break the invariant."""
        if isinstance(offending, int):
            count, examples = offending, []
        else:
            count, examples = len(offending), offending[:5]
        if count:
            self.violations.append((name, count, examples))
        else:
            self.passed.append(name)

    def run(self):
        db, task, load = self.db, self.task, self.load
        print("checking the invariants …", flush=True)
        # The newest routing decision of each item of the task, and its answers.
        decided = f"""
            WITH d AS (SELECT DISTINCT ON (r.item_id) r.item_id, r.route, r.reason, r.annotations_required, r.judgment_id
                       FROM routing_decisions r JOIN items i ON i.id = r.item_id
                       WHERE i.task_id = {task} ORDER BY r.item_id, r.id DESC),
                 n AS (SELECT a.item_id, count(*) AS answers, count(DISTINCT a.criteria) AS opinions,
                              min(a.criteria::text) AS labels
                       FROM annotations a JOIN items i ON i.id = a.item_id
                       WHERE i.task_id = {task} AND a.purpose = 'annotate' AND a.counted
                         AND a.retracted_at IS NULL AND NOT a.skipped
                       GROUP BY a.item_id)"""

        # Imports: every item once, the re-sent lines unchanged.
        reports = [r for _, r in load.reports]
        total = {key: sum(r[key] for r in reports) for key in ("lines", "inserted", "unchanged", "conflicts", "invalid")}
        items = scalar(db, f"SELECT count(*) FROM items WHERE task_id = {task}")
        distinct = scalar(db, f"SELECT count(DISTINCT external_id) FROM items WHERE task_id = {task}")
        expected_requests = len(load.batches) + 2 * len(load.cluster.webs) - 1
        self.figures.update(total, items=items, import_requests=len(reports))
        self.check("every import request answered 200", expected_requests - len(reports))
        self.check(f"{load.args.items:,} items imported once each (the re-sent batches: unchanged)",
                   [f"items {items}, distinct external ids {distinct}, reports {total}"]
                   if not (items == distinct == load.args.items == total["inserted"]
                           and total["lines"] == total["inserted"] + total["unchanged"]
                           and total["unchanged"] == (2 * len(load.cluster.webs) - 1) * BATCH
                           and total["conflicts"] == total["invalid"] == 0) else [])

        # The judge queue.
        self.check("no item left queued, being judged or failed",
                   rows(db, f"SELECT id, state, judge_attempts, judge_error FROM items "
                            f"WHERE task_id = {task} AND state IN ('queued', 'judging', 'failed') ORDER BY id"))
        self.check("every item routed exactly once",
                   rows(db, f"""SELECT i.id, count(r.id) FROM items i LEFT JOIN routing_decisions r ON r.item_id = i.id
                                WHERE i.task_id = {task} GROUP BY i.id HAVING count(r.id) <> 1 ORDER BY i.id"""))
        self.check("no (item, judge configuration) with two judgments",
                   rows(db, f"""SELECT j.item_id, j.judge_config_id, count(*) FROM judgments j JOIN items i ON i.id = j.item_id
                                WHERE i.task_id = {task} GROUP BY 1, 2 HAVING count(*) > 1"""))
        self.check("every item has one judgment (one judge configuration in this run)",
                   rows(db, f"""SELECT i.id, count(j.id) FROM items i LEFT JOIN judgments j ON j.item_id = i.id
                                WHERE i.task_id = {task} GROUP BY i.id HAVING count(j.id) <> 1 ORDER BY i.id"""))

        # The review queue.
        self.check("every item routed to people got K annotation slots",
                   rows(db, decided + f"""
                        SELECT d.item_id, d.annotations_required, count(s.id) FROM d
                        LEFT JOIN review_slots s ON s.item_id = d.item_id AND s.purpose = 'annotate'
                        GROUP BY d.item_id, d.route, d.annotations_required
                        HAVING count(s.id) <> CASE WHEN d.route = 'human' THEN d.annotations_required ELSE 0 END"""))
        self.check("no item has more counted answers than its K, and they are from distinct people",
                   rows(db, decided + """
                        SELECT a.item_id, count(*), count(DISTINCT a.user_id), d.annotations_required
                        FROM annotations a JOIN d ON d.item_id = a.item_id
                        WHERE a.purpose = 'annotate' AND a.counted AND a.retracted_at IS NULL AND NOT a.skipped
                        GROUP BY a.item_id, d.annotations_required
                        HAVING count(*) > d.annotations_required OR count(DISTINCT a.user_id) < count(*)"""))
        self.check("nobody has two counted answers on one item",
                   rows(db, f"""SELECT a.item_id, a.user_id, a.purpose, count(*) FROM annotations a JOIN items i ON i.id = a.item_id
                                WHERE i.task_id = {task} AND a.counted AND a.retracted_at IS NULL AND NOT a.skipped
                                GROUP BY 1, 2, 3 HAVING count(*) > 1"""))
        self.check("every filled slot holds an answer of its own item by its holder",
                   rows(db, f"""SELECT s.id, s.item_id, a.item_id, s.user_id, a.user_id FROM review_slots s
                                JOIN annotations a ON a.id = s.annotation_id
                                WHERE s.task_id = {task} AND (a.item_id <> s.item_id OR a.user_id <> s.user_id
                                      OR a.purpose <> s.purpose OR NOT a.counted)"""))
        self.check("no review slot left open", scalar(db, f"SELECT count(*) FROM review_slots "
                                                          f"WHERE task_id = {task} AND annotation_id IS NULL"))
        self.check("acknowledged answers are stored as acknowledged", self.check_acknowledged())

        # Verdicts. An item met its requirements when the judge's verdict stood (auto), or its K
        # counted answers are in and, if they differ, an adjudicator answered.
        met = decided + f""",
            adjudicated AS (SELECT DISTINCT a.item_id FROM annotations a JOIN items i ON i.id = a.item_id
                            WHERE i.task_id = {task} AND a.purpose = 'adjudicate' AND a.counted
                              AND a.retracted_at IS NULL AND NOT a.skipped),
            status AS (SELECT i.id, i.state, d.route, d.reason, d.judgment_id, d.annotations_required,
                              coalesce(n.answers, 0) AS answers, n.opinions, n.labels,
                              d.route = 'auto' OR (coalesce(n.answers, 0) = d.annotations_required
                                  AND (n.opinions = 1 OR i.id IN (SELECT item_id FROM adjudicated))) AS met,
                              (SELECT count(*) FROM verdicts w WHERE w.item_id = i.id) AS verdicts
                       FROM items i JOIN d ON d.item_id = i.id LEFT JOIN n ON n.item_id = i.id
                       WHERE i.task_id = {task})"""
        self.check("every item met its requirements (a judge verdict, or K answers and an adjudication if they differ)",
                   rows(db, met + """
                        SELECT id, state, route, reason, annotations_required, answers, opinions FROM status
                        WHERE NOT met ORDER BY id"""))
        self.check("every item that met its requirements has exactly one final verdict, of the provenance they call for",
                   rows(db, met + """
                        SELECT s.id, s.state, s.route, s.reason, s.answers, s.opinions, s.verdicts, v.provenance
                        FROM status s LEFT JOIN verdicts v ON v.item_id = s.id
                        WHERE s.met AND NOT (s.verdicts = 1 AND s.state = 'done' AND (
                                (s.route = 'auto' AND v.provenance = 'judge' AND v.judgment_id = s.judgment_id)
                             OR (s.route = 'human' AND s.opinions = 1 AND v.provenance = 'human'
                                 AND v.criteria::text = s.labels)
                             OR (s.route = 'human' AND s.opinions > 1 AND v.provenance = 'adjudicated')))
                        ORDER BY s.id"""))
        self.check("no item that has not met its requirements has a verdict",
                   rows(db, met + """
                        SELECT s.id, s.state, s.route, s.answers, s.annotations_required, v.provenance
                        FROM status s JOIN verdicts v ON v.item_id = s.id WHERE NOT s.met ORDER BY s.id"""))
        self.check("every disagreement got exactly one adjudication slot, and agreements none",
                   rows(db, decided + f"""
                        SELECT i.id, n.opinions, count(s.id) FROM items i JOIN n ON n.item_id = i.id
                        LEFT JOIN review_slots s ON s.item_id = i.id AND s.purpose = 'adjudicate'
                        WHERE i.task_id = {task} GROUP BY i.id, n.opinions
                        HAVING count(s.id) <> CASE WHEN n.opinions > 1 THEN 1 ELSE 0 END"""))
        self.check("the HTTP clients saw no errors", load.stats.errors)
        log_errors, self.figures["warnings"] = self.cluster.read_logs()
        self.check("no process logged an error or panicked", log_errors)
        self.check("the load finished before --max-seconds", 1 if load.timed_out else 0)
        self.gather_figures()

    def check_acknowledged(self):
        """Every answer a client was told was saved is in `annotations`: same person, item and
        slot, counted or skipped as the client was told."""
        path = os.path.join(WORK, "acknowledged.csv")
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows(self.load.acked)
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.db,
             "-c", "CREATE TABLE scale_out_acknowledged (client_id uuid, email text, item_id bigint, slot_id bigint, "
                   "purpose text, outcome text, late boolean)",
             "-c", f"\\copy scale_out_acknowledged FROM '{path}' CSV"])
        self.figures["acknowledged"] = len(self.load.acked)
        return rows(self.db, """
            SELECT k.client_id, k.email, k.outcome, a.id, a.item_id = k.item_id, a.slot_id = k.slot_id, a.counted, a.skipped
            FROM scale_out_acknowledged k
            LEFT JOIN users u ON u.email = k.email
            LEFT JOIN annotations a ON a.client_id = k.client_id
            WHERE a.id IS NULL OR a.user_id IS DISTINCT FROM u.id OR a.item_id <> k.item_id OR a.slot_id <> k.slot_id
               OR a.purpose <> k.purpose
               OR (k.outcome = 'counted' AND (NOT a.counted OR a.skipped))
               OR (k.outcome = 'skipped' AND NOT a.skipped)
               OR (k.outcome = 'taken_by_other' AND a.counted)""")

    def gather_figures(self):
        db, task = self.db, self.task
        f = self.figures
        f["routes"] = dict((reason, int(n)) for reason, n in rows(db, f"""
            SELECT r.reason, count(*) FROM routing_decisions r JOIN items i ON i.id = r.item_id
            WHERE i.task_id = {task} GROUP BY 1 ORDER BY 2 DESC"""))
        f["judgments"] = dict((source, int(n)) for source, n in rows(db, f"""
            SELECT j.source, count(*) FROM judgments j JOIN items i ON i.id = j.item_id
            WHERE i.task_id = {task} GROUP BY 1 ORDER BY 1"""))
        f["verdicts"] = dict((p, int(n)) for p, n in rows(db, f"""
            SELECT v.provenance, count(*) FROM verdicts v JOIN items i ON i.id = v.item_id
            WHERE i.task_id = {task} GROUP BY 1 ORDER BY 1"""))
        f["annotations"] = dict((kind, int(n)) for kind, n in rows(db, f"""
            SELECT CASE WHEN a.skipped THEN 'skips' WHEN NOT a.counted THEN 'kept uncounted'
                        WHEN a.purpose = 'adjudicate' THEN 'adjudications' ELSE 'counted answers' END, count(*)
            FROM annotations a JOIN items i ON i.id = a.item_id WHERE i.task_id = {task} GROUP BY 1 ORDER BY 1"""))
        # Legitimate: a late answer kept uncounted after someone else took the hold, then the same
        # person answering the item's other slot (K=2). Reported, not a violation.
        f["twice"] = scalar(db, f"""SELECT count(*) FROM (SELECT 1 FROM annotations a JOIN items i ON i.id = a.item_id
                                     WHERE i.task_id = {task} GROUP BY a.item_id, a.user_id, a.purpose
                                     HAVING count(*) > 1) t""")
        f["rejudged"] = scalar(db, f"SELECT count(*) FROM items WHERE task_id = {task} AND judge_attempts > 1")
        f["takeovers"] = scalar(db, f"""SELECT count(*) FROM scale_out_acknowledged WHERE late AND outcome = 'taken_by_other'""")


# ---- the report ----

def report(cluster, load, checks, health, metrics, elapsed):
    f, s = checks.figures, load.stats
    fmt = lambda d: ", ".join(f"{k} {v:,}" for k, v in d.items()) or "none"  # noqa: E731
    print()
    print(f"scale-out check: 2 web servers, {len(cluster.workers)} workers, one Postgres — "
          f"{elapsed:.1f} s in all, load phase {load.elapsed:.1f} s")
    print(f"  items        {f['items']:,} in {f['import_requests']} REST imports over both servers "
          f"({f['lines']:,} lines: inserted {f['inserted']:,}, unchanged {f['unchanged']:,} re-sent, "
          f"conflicts {f['conflicts']:,})")
    print(f"  routing      {fmt(f['routes'])}")
    print(f"  judgments    {fmt(f['judgments'])}; items claimed by the judge more than once: {f['rejudged']:,}")
    print(f"  annotations  {fmt(f['annotations'])}; {f['acknowledged']:,} acknowledged to the clients; "
          f"(item, person) pairs with two answers (one late, kept uncounted): {f['twice']:,}")
    print(f"  verdicts     {fmt(f['verdicts'])}")
    events = dict(sorted(s.events.items()))
    print(f"  clients      {fmt(events)}")
    per_web = Counter()
    for (web, _), n in s.requests.items():
        per_web[web] += n
    for name, _ in cluster.webs:
        print(f"  {name:12} {metrics[name]:,} requests served (its /metrics); {per_web[name]:,} sent by this check")
    for name, _ in cluster.workers:
        print(f"  {name:12} {metrics[name]:,} items judged (its /metrics)")
    judged = sum(metrics[name] for name, _ in cluster.workers)
    print(f"  workers      {judged:,} judge calls answered in all, {f['judgments'].get('online', 0):,} online "
          f"judgments recorded")
    print(f"  health       {health.probes} probes of /readyz, /healthz and /metrics: "
          f"{'all 200' if not health.failures else '; '.join(health.failures)}")
    print(f"  log warnings {fmt(f['warnings'])}")
    idle = [name for name, _ in cluster.workers if metrics[name] == 0]
    if idle:
        print(f"  note: {', '.join(idle)} judged nothing")
    print(f"  invariants   {len(checks.passed)} of {len(checks.passed) + len(checks.violations)} hold")
    for name, count, examples in checks.violations:
        print(f"  VIOLATED     {name}: {count:,}")
        for example in examples:
            print(f"                 {example}")
    if not checks.violations and not health.failures:
        print("scale-out check passed")
    else:
        print(f"scale-out check FAILED (logs in {WORK})")


if __name__ == "__main__":
    main()

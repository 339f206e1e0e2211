#!/usr/bin/env python3
"""Review queue benchmark: claiming and submitting over HTTP with a million queued items, against
a raw `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)` claim driven by pgbench on
an equivalent table in the same run, before and after 100,000 claims.

Seeds N `tag` items routed to humans (state `human_review`, a `no_judge` routing decision with one
annotation required, one open `annotate` slot each; the claim order `priority` is a fixed scramble
of the id, as judge confidences spread items through the order) straight in SQL, and copies the
slots into `bench_queue`, built `LIKE review_slots INCLUDING ALL` (same columns, defaults, checks
and indexes, including the free-slot partial index the claims scan) plus the foreign keys of
`item_id`, `task_id` and `user_id` that LIKE does not copy, so the raw claim pays the same
`users` check; `annotation_id`'s foreign key is left out, so the raw "fill" can write a made-up
annotation id. Nothing else had to be dropped: pgbench client k claims as the k-th benchmark
annotator, so the unique (item_id, user_id) index holds.

Then, with `cojudge serve` on the database and 32 signed-in annotators (one keep-alive connection
and session cookie each, driven by the compiled load generator `examples/review_load.rs`, as
pgbench is compiled; a Python client would spend more CPU than the server it measures). Every
measured run, pgbench's and HTTP, starts on a settled database (no autovacuum worker busy on it,
then a CHECKPOINT), so neither side pays for the other's clean-up:

1. Fresh queue. In --rounds (3) interleaved rounds, pgbench runs the raw claim at 32 clients and
   32 HTTP connections claim as fast as they can, each going through its share of --people (5
   claims each, as a page holds at most that many); after each run every slot it claimed is
   filled in one statement, as the app's submissions would, so claimed slots do not pile up in
   the free-slot index. The goals are checked on the median round, so one run disturbed by the
   machine does not decide them. Then, once each: the raw claim at 1 client, raw claim + fill
   (`UPDATE … SET annotation_id`) at 32 clients, and over HTTP, 32 annotators claiming and
   submitting with no think time.
2. Churn: both queues are worked (HTTP claim → submit; pgbench claim + fill) until each has had
   at least --churn claims (100,000), the same number on both; both tables are ANALYZEd (as
   autoanalyze would after this many changes, so plans do not hang on its timing; not VACUUMed,
   which would remove the dead index entries under test), and phase 1 is measured again. The
   claim statements are EXPLAINed (ANALYZE, BUFFERS, rolled back) before and after, with custom
   and generic plans (sqlx prepares statements, so the server may run either).
3. Human pace: 32 annotators each claim and submit once every 2 s, spread evenly over the period,
   once the database has settled after the flat-out runs (no autovacuum worker busy on it, then a
   CHECKPOINT), so the figures are those of a steady day, not of the clean-up after a stress test.

HTTP latencies are recorded twice per request: server-side, from the `Server-Timing` header the
app adds (the time from the request reaching axum to the response head, session and database work
included: the figure the goals are set on), and client-side on localhost (server time plus
loopback and this client's own scheduling on a busy 2-core machine); pgbench's come from its
per-transaction logs. The load generator shares the machine with the server and Postgres; its
CPU is reported. Standard library only (besides the load generator).

Usage: bench/claim_bench.py [--items 1000000] [--churn 100000] [--seconds 20] [--human-seconds 60]
                            [--rounds 3]
                            [--annotators 32] [--markdown FILE] [--json FILE]
"""
import argparse
import glob
import http.client
import json
import math
import multiprocessing
import os
import re
import subprocess
import sys
import time
import urllib.parse
from functools import partial

from benchlib import BIN, ROOT, WORK, destroy_cluster, figure, fresh_database, run, start_cluster, wait_for, write_json

CLUSTER = "claim-cluster"
LOAD = os.path.join(ROOT, "target/release/examples/review_load")
CLAIMS_PER_PERSON = 5  # a page holds at most this many: the item shown and up to 4 it names
LATENCY_KEYS = ("claim_ms", "submit_ms", "claim_server_ms", "submit_server_ms")
PASSWORD = "bench-password-1234"
LABELS = {"relevance": "pass", "consistency": "pass", "specificity": "pass", "validity": "pass"}
RATE_GOAL, P99_GOAL, HUMAN_P99_GOAL_MS = 0.7, 1.5, 5  # HTTP ÷ raw claims/s, HTTP ÷ raw p99, human pace p99
LABEL_STUDIO = ("Label Studio, measured on this machine (from the issue): p50 176 ms to serve the next task "
                "and 120 ms to save an annotation, 3 items/s at best.")

# The statement the review page's claim runs, printed by the server's own code
# (`examples/claim_sql.rs`: `db::review_card::claim_sql`, the session form), so the EXPLAINs below
# are of that statement, not of a copy: `$1` session id, `$2` task name, `$3` purpose, `$4` lease
# seconds, `$5` slot ids not to hand back, `$6` roles allowed.
CLAIM_SQL = os.path.join(ROOT, "target/release/examples/claim_sql")
CLAIM_PARAMS = "text, text, text, float8, bigint[], text[]"

# The raw claim, as in the issue.
RAW_CLAIM_SQL = """UPDATE bench_queue SET user_id = {user}, lease_expires_at = now() + interval '10 minutes'
WHERE id = (SELECT id FROM bench_queue
            WHERE task_id = {task} AND purpose = 'annotate' AND annotation_id IS NULL AND user_id IS NULL
            ORDER BY priority, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id AS slot"""

PGBENCH_CLAIM = "\\set uid :first_user + :client_id\n" + RAW_CLAIM_SQL.format(user=":uid", task=":task") + ";\n"
PGBENCH_CLAIM_FILL = ("\\set uid :first_user + :client_id\n" + RAW_CLAIM_SQL.format(user=":uid", task=":task")
                      + " \\gset\nUPDATE bench_queue SET annotation_id = :slot WHERE id = :slot;\n")

CONTEXT = json.dumps({"user": {"age_band": "25-34", "gender": "female", "city_tier": 2},
                      "interests": ["tennis", "pour-over coffee"],
                      "recent": {"clicks": ["tennis balls"], "purchases": ["tennis racket"],
                                 "searches": ["tennis shoes for clay court"]}})
OUTPUT = json.dumps({"tags": [{"tag": "vibration-dampening tennis string", "interest": "tennis",
                               "reason": "complements the tennis racket bought last week"}]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000, help="queued items (one open slot each)")
    parser.add_argument("--churn", type=int, help="claims (each submitted) before the second measurement "
                        "(default 100,000, or a quarter of --items if fewer)")
    parser.add_argument("--seconds", type=float, default=20, help="length of each flat-out run")
    parser.add_argument("--human-seconds", type=float, default=60, help="length of the human-pace run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of the raw claim and the HTTP claim at 32 clients per phase; "
                             "the goals are checked on the median round")
    parser.add_argument("--churn-max-seconds", type=float, default=1800,
                        help="stop the HTTP churn after this long even if short of --churn (the phase is named by the claims made)")
    parser.add_argument("--period", type=float, default=2.0, help="seconds between one annotator's claims at human pace")
    parser.add_argument("--annotators", type=int, default=32, help="concurrent annotators (and pgbench clients)")
    parser.add_argument("--people", type=int, default=15000,
                        help="signed-in people the claim-only runs go through, 5 claims each")
    parser.add_argument("--db-max-connections", type=int, default=10, help="the server's pool (serve's default: 10)")
    parser.add_argument("--port", type=int, default=3198)
    parser.add_argument("--markdown", help="append a results section to this file")
    parser.add_argument("--json", help="write the headline figures to this file, for bench/summary.py")
    args = parser.parse_args()
    if args.churn is None:
        args.churn = min(100_000, args.items // 4)
    if args.churn > args.items // 2:
        sys.exit(f"--churn {args.churn:,} needs at least {2 * args.churn:,} --items: both queues must not run dry")
    cluster = start_cluster(CLUSTER)
    server = None
    try:
        db = fresh_database(cluster, "bench_claim")
        bench = Bench(args, db)
        bench.seed()
        server = bench.serve()
        bench.sign_in()
        bench.measure()
    finally:
        if server:
            server.terminate()
            server.wait()
        destroy_cluster(CLUSTER)
    bench.report()


def psql(db, *statements, tuples=True):
    flags = ["-qtA", "-F", " "] if tuples else ["-q"]
    return run(["psql", "-v", "ON_ERROR_STOP=1", *flags, db] + [arg for sql in statements for arg in ("-c", sql)])


def rate_ratio(raw, http, _client):
    """HTTP claims/s ÷ raw claims/s, from the rows of one round."""
    return http[2] / raw[2]


def server_p99_ratio(raw, http, _client):
    return pct(http[3], 99) / pct(raw[3], 99)


def client_p99_ratio(raw, _http, client):
    return pct(client[3], 99) / pct(raw[3], 99)


class Bench:
    def __init__(self, args, db):
        self.args, self.db = args, db
        self.rows = []          # (phase, workload, ops/s, latencies in ms or None, note)
        self.explains = []      # (phase, query, execution ms, buffers, plan text)
        self.tables = []        # (phase, table, live, dead, open-index MB, autovacuums)
        self.driver_cpu = []    # (phase, client CPU seconds, wall seconds)
        self.warnings = []

    # ---- setup ----

    def seed(self):
        n = self.args.items
        self.task = int(psql(self.db, "SELECT id FROM tasks WHERE name = 'tag'").strip())
        print(f"seeding {n:,} tag items routed to humans …", flush=True)
        start = time.monotonic()
        # The claim order: a fixed scramble of the id in [0, 1), as judge confidences would spread
        # items through the order (hashint8 is stable for a given Postgres).
        psql(self.db,
             "SET maintenance_work_mem = '256MB'",
             f"""INSERT INTO items (task_id, external_id, context, output, content_hash, state)
                 SELECT {self.task}, 'bench-' || g, '{CONTEXT}'::jsonb, '{OUTPUT}'::jsonb,
                        sha256(('bench-' || g)::bytea), 'human_review'
                 FROM generate_series(1, {n}) g""",
             f"""INSERT INTO routing_decisions (item_id, route, reason, annotations_required, inclusion_probability)
                 SELECT id, 'human', 'no_judge', 1, 1 FROM items WHERE task_id = {self.task} ORDER BY id""",
             f"""INSERT INTO review_slots (item_id, task_id, purpose, priority)
                 SELECT id, task_id, 'annotate', (hashint8(id)::float8 + 2147483648) / 4294967296
                 FROM items WHERE task_id = {self.task} ORDER BY id""")
        seeded_s = time.monotonic() - start
        # The baseline table: LIKE copies columns, defaults, checks and indexes, not foreign keys;
        # those of item_id, task_id and user_id are added (annotation_id's is not: the raw fill
        # writes a made-up annotation id).
        psql(self.db,
             "CREATE TABLE bench_queue (LIKE review_slots INCLUDING ALL)",
             "INSERT INTO bench_queue OVERRIDING SYSTEM VALUE SELECT * FROM review_slots ORDER BY id",
             "ALTER TABLE bench_queue ADD FOREIGN KEY (item_id) REFERENCES items (id)",
             "ALTER TABLE bench_queue ADD FOREIGN KEY (task_id) REFERENCES tasks (id)",
             "ALTER TABLE bench_queue ADD FOREIGN KEY (user_id) REFERENCES users (id)")
        self.open_index = {"review_slots": "review_slots_free_idx",
                           "bench_queue": psql(self.db, """SELECT indexrelid::regclass FROM pg_index
                               WHERE indrelid = 'bench_queue'::regclass AND indpred IS NOT NULL
                                 AND pg_get_indexdef(indexrelid) LIKE '%priority%'""").strip()}
        print(f"  {seeded_s:.1f} s for items, routing decisions and slots; copied into bench_queue", flush=True)

        # Annotators: one account through the CLI (argon2 hash), copied for the others.
        env = {**os.environ, "DATABASE_URL": self.db, "RUST_LOG": "warn"}
        subprocess.run([BIN, "user", "add", "--email", "bench0@example.org", "--role", "annotator",
                        "--password-stdin"], input=PASSWORD + "\n", text=True, env=env, check=True,
                       capture_output=True)
        psql(self.db, f"""INSERT INTO users (email, display_name, role, password_hash)
                          SELECT 'bench' || g || '@example.org', 'bench ' || g, 'annotator', u.password_hash
                          FROM generate_series(1, {self.args.annotators + self.args.people - 1}) g,
                               (SELECT password_hash FROM users WHERE email = 'bench0@example.org') u
                          ORDER BY g""")
        ids = [int(x) for x in psql(self.db, "SELECT id FROM users WHERE email LIKE 'bench%@example.org' "
                                             "ORDER BY id").split()]
        if ids != list(range(ids[0], ids[0] + self.args.annotators + self.args.people)):
            sys.exit(f"annotator ids are not consecutive: {ids}")
        self.first_user = ids[0]
        self.emails = ["bench0@example.org"] + [f"bench{g}@example.org"
                                                for g in range(1, self.args.annotators + self.args.people)]
        self.settings = psql(self.db, """SELECT string_agg(name || ' = ' || setting || coalesce(unit, ''), ', ' ORDER BY name)
            FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', 'autovacuum',
                                           'max_connections', 'wal_sync_method')""").strip()
        start = time.monotonic()
        psql(self.db, "VACUUM ANALYZE", "CHECKPOINT")
        print(f"  VACUUM ANALYZE and CHECKPOINT: {time.monotonic() - start:.1f} s", flush=True)
        with open(os.path.join(WORK, "claim.sql"), "w") as f:
            f.write(PGBENCH_CLAIM)
        with open(os.path.join(WORK, "claim_fill.sql"), "w") as f:
            f.write(PGBENCH_CLAIM_FILL)

    def serve(self):
        env = {**os.environ, "DATABASE_URL": self.db, "RUST_LOG": "warn", "COJUDGE_LOG_FORMAT": "json"}
        log = open(os.path.join(WORK, "claim-serve.log"), "w")
        server = subprocess.Popen([BIN, "serve", "--port", str(self.args.port), "--demo", "never",
                                   "--embedded-worker", "false", "--db-max-connections",
                                   str(self.args.db_max_connections)], env=env, stdout=log, stderr=log)
        wait_for(self.args.port)
        return server

    def sign_in(self):
        print(f"signing in {len(self.emails):,} people …", flush=True)
        start = time.monotonic()
        with multiprocessing.get_context("fork").Pool(4) as pool:
            cookies = pool.map(partial(sign_in_one, self.args.port), self.emails, chunksize=50)
        failed = [c for c in cookies if c.startswith("error:")]
        if failed:
            sys.exit(f"{len(failed)} sign-ins failed, e.g. {failed[0]}")
        self.cookies = cookies[:self.args.annotators]
        self.people = cookies[self.args.annotators:]
        print(f"  {time.monotonic() - start:.1f} s", flush=True)

    # ---- phases ----

    def measure(self):
        a = self.args
        self.explain("fresh")
        self.table_stats("fresh")
        self.measure_flat_out("fresh queue")

        claimed = max(a.churn, self.claims("review_slots"), self.claims("bench_queue"))
        print(f"churn: both queues to {claimed:,} claims, each submitted/filled …", flush=True)
        missing = claimed - self.claims("review_slots")
        if missing > 0:
            per = math.ceil(missing / a.annotators)
            result = self.http_phase("churn", cycles=per, seconds=a.churn_max_seconds)
            print(f"  HTTP: {result['claims']:,} claim → submit cycles at {result['rate']:,.0f}/s", flush=True)
        missing = self.claims("review_slots") - self.claims("bench_queue")
        if missing > 0:
            self.pgbench("churn", "claim_fill.sql", a.annotators, transactions=math.ceil(missing / a.annotators), log=False)
        app_claims, raw_claims = self.claims("review_slots"), self.claims("bench_queue")
        after = f"after {app_claims:,} claims"
        print(f"  review_slots: {app_claims:,} claims; bench_queue: {raw_claims:,}", flush=True)
        if app_claims < claimed:
            self.warn(f"the HTTP churn stopped after {a.churn_max_seconds:g} s (--churn-max-seconds), "
                      f"at {app_claims:,} claims instead of {claimed:,}")
        if abs(app_claims - raw_claims) > max(100, app_claims // 100):
            self.warn(f"the queues had different numbers of claims before the second measurement: "
                      f"review_slots {app_claims:,}, bench_queue {raw_claims:,}")
        # Fresh statistics, as autoanalyze takes them after this many changes, so the plans do not
        # depend on its timing. ANALYZE only: a VACUUM would remove the dead entries under test.
        psql(self.db, "ANALYZE review_slots", "ANALYZE bench_queue")
        self.explain(after)
        self.table_stats(after)
        self.measure_flat_out(after)

        self.settle()
        print(f"human pace: {a.annotators} annotators, one claim → submit every {a.period:g} s for {a.human_seconds:g} s …", flush=True)
        wal_before = self.wal()
        result = self.http_phase("human", seconds=a.human_seconds, period=a.period)
        wal = [after - before for before, after in zip(wal_before, self.wal())]
        cycles = max(1, len(result["submit_ms"]))
        self.human_wal = (wal[0] / cycles, wal[1] / cycles, wal[2] / cycles / 1024)
        self.http_rows("human pace", result, f"{a.annotators} × one every {a.period:g} s")
        self.table_stats("end")

    def wal(self):
        """The cluster's WAL records, full-page images and bytes so far (`pg_stat_wal`)."""
        return [int(x) for x in psql(self.db, "SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal").split()]

    def settle(self, limit=300):
        """Waits (up to `limit` seconds) until no autovacuum worker is busy on the database, then
        checkpoints."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            busy = int(psql(self.db, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                                     "'autovacuum worker' AND datname = current_database()"))
            if busy == 0:
                break
            time.sleep(2)
        psql(self.db, "CHECKPOINT")
        print(f"  settled in {time.monotonic() - start:.0f} s", flush=True)

    def measure_flat_out(self, phase):
        """The raw claim and the HTTP claim at 32 clients in interleaved rounds (so a drift of the
        machine over the phase reaches both alike), then the other flat-out workloads once."""
        a = self.args
        for round_no in range(1, a.rounds + 1):
            of = f"round {round_no} of {a.rounds}"
            print(f"{phase}: pgbench raw claim, {a.annotators} clients, {a.seconds:g} s ({of}) …", flush=True)
            self.settle()
            self.raw_claim_row(phase, a.annotators, a.seconds, f", {of}")
            print(f"{phase}: HTTP claims only, {a.annotators} connections, {a.seconds:g} s ({of}) …", flush=True)
            self.settle()
            self.claim_only_row(phase, a.seconds, f", {of}")
        print(f"{phase}: pgbench raw claim, 1 client, {a.seconds / 2:g} s …", flush=True)
        self.settle()
        self.raw_claim_row(phase, 1, a.seconds / 2)
        print(f"{phase}: pgbench raw claim + fill, {a.annotators} clients, {a.seconds:g} s …", flush=True)
        self.settle()
        tps, latencies, _ = self.pgbench(phase, "claim_fill.sql", a.annotators, seconds=a.seconds)
        self.rows.append((phase, f"pgbench raw claim + fill, {a.annotators} clients", tps, latencies, "one transaction = claim and fill"))
        print(f"{phase}: HTTP, {a.annotators} annotators claiming and submitting flat out, {a.seconds:g} s …", flush=True)
        self.settle()
        result = self.http_phase(phase, seconds=a.seconds)
        self.http_rows(phase, result, f"{a.annotators} annotators, claim → submit, no think time")

    def raw_claim_row(self, phase, clients, seconds, suffix=""):
        before = self.claims("bench_queue")
        tps, latencies, processed = self.pgbench(phase, "claim.sql", clients, seconds=seconds)
        held = int(psql(self.db, "SELECT count(*) FROM bench_queue WHERE user_id IS NOT NULL AND annotation_id IS NULL"))
        if held != processed:
            self.warn(f"{phase}: raw claim at {clients} clients: {processed:,} transactions but {held:,} slots claimed (queue ran dry?)")
        # Every claimed slot gets filled, as the app's submissions would do.
        psql(self.db, "UPDATE bench_queue SET annotation_id = id WHERE user_id IS NOT NULL AND annotation_id IS NULL")
        assert self.claims("bench_queue") == before + held
        self.rows.append((phase, f"pgbench raw claim, {clients} client{'s' if clients > 1 else ''}{suffix}", tps, latencies, ""))

    def claim_only_row(self, phase, seconds, suffix=""):
        """32 connections claim as fast as they can, each going through its share of --people: a
        person claims CLAIMS_PER_PERSON items (the page's `holding` list names those already held,
        so each claim leases a new one), then the next person does. Every slot claimed is then
        filled with an annotation in one statement, as the raw claim's slots are."""
        a = self.args
        before = self.claims("review_slots")
        result = self.http_phase(phase, seconds=seconds, claim_only=True)
        held = int(psql(self.db, "SELECT count(*) FROM review_slots WHERE user_id IS NOT NULL AND annotation_id IS NULL"))
        if held != result["claims"]:
            self.warn(f"{phase}: HTTP claim only: {result['claims']:,} claims answered but {held:,} slots held")
        if result["people_left"] == 0:
            self.warn(f"{phase}: HTTP claim only ran out of people (raise --people)")
        psql(self.db, f"""WITH held AS (SELECT id, item_id, user_id FROM review_slots
                                        WHERE user_id IS NOT NULL AND annotation_id IS NULL),
                             answer AS (INSERT INTO annotations (item_id, user_id, slot_id, client_id, rubric_version,
                                                                 purpose, criteria, qualified, grade)
                                        SELECT item_id, user_id, id, gen_random_uuid(), 1, 'annotate',
                                               '{json.dumps(LABELS)}'::jsonb, true, 'S' FROM held
                                        RETURNING id, slot_id)
                        UPDATE review_slots s SET annotation_id = answer.id FROM answer WHERE s.id = answer.slot_id""")
        # The answers arrived in one statement, not over minutes as autoanalyze would see them.
        psql(self.db, "ANALYZE annotations")
        assert self.claims("review_slots") == before + held
        self.rows.append((phase, f"HTTP claim only, server time ({a.annotators} connections, "
                                 f"{CLAIMS_PER_PERSON} claims per person){suffix}", result["rate"], result["claim_server_ms"], ""))
        self.rows.append((phase, f"HTTP claim only, client time (same run){suffix}", result["rate"], result["claim_ms"], ""))
        self.driver_cpu.append((phase + ", claims only", result["cpu"], result["wall"], result["claims"]))

    def http_rows(self, phase, result, note):
        self.rows.append((phase, f"HTTP claim, server time ({note})", result["rate"], result["claim_server_ms"], ""))
        self.rows.append((phase, "HTTP submit, server time (same loop)", result["rate"], result["submit_server_ms"], ""))
        self.rows.append((phase, "HTTP claim, client time (same loop)", result["rate"], result["claim_ms"], ""))
        self.rows.append((phase, "HTTP submit, client time (same loop)", result["rate"], result["submit_ms"], ""))
        self.driver_cpu.append((phase, result["cpu"], result["wall"], result["claims"] + len(result["submit_ms"])))

    # ---- drivers ----

    def pgbench(self, phase, script, clients, seconds=None, transactions=None, log=True):
        name = re.sub(r"[^a-z0-9]+", "-", f"{phase}-{script}-{clients}")
        prefix = os.path.join(WORK, f"pgbench-{name}")
        for path in glob.glob(prefix + ".*"):
            os.remove(path)
        command = ["pgbench", "-n", "-c", str(clients), "-j", str(min(2, clients)), "-f", os.path.join(WORK, script),
                   "-D", f"task={self.task}", "-D", f"first_user={self.first_user}"]
        command += ["-T", str(max(1, round(seconds)))] if seconds else ["-t", str(transactions)]
        if log:
            command += ["--log", f"--log-prefix={prefix}"]
        out = run(command + [self.db])
        tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
        processed = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
        failed = re.search(r"number of failed transactions: (\d+)", out)
        if failed and int(failed.group(1)):
            self.warn(f"{phase}: pgbench {script} at {clients} clients: {failed.group(1)} failed transactions")
        latencies = []
        for path in glob.glob(prefix + ".*"):
            with open(path) as f:
                for line in f:
                    field = line.split()[2]
                    if field.isdigit():
                        latencies.append(int(field) / 1000)
        return tps, latencies, processed

    def http_phase(self, phase, seconds=None, cycles=None, period=None, claim_only=False):
        """Runs the annotators in the compiled load generator (examples/review_load.rs, one
        process, one thread, one keep-alive connection per annotator); returns its figures with
        its CPU time (user + system, from wait4) and the run's wall time."""
        a = self.args
        start_at = time.time() + 1.0
        plan = {"port": a.port, "start_at": start_at, "end_at": start_at + seconds if seconds else None,
                "cycles": cycles, "period": period, "claim_only": claim_only,
                "claims_per_person": CLAIMS_PER_PERSON, "labels": LABELS,
                "annotators": [{"cookie": self.cookies[i], "offset": (period or 0) * i / a.annotators,
                                "people": self.people[i::a.annotators] if claim_only else []}
                               for i in range(a.annotators)]}
        plan_path, out_path = os.path.join(WORK, "review-load-plan.json"), os.path.join(WORK, "review-load.json")
        with open(plan_path, "w") as f:
            json.dump(plan, f)
        with open(plan_path) as plan_file, open(out_path, "w") as out_file:
            process = subprocess.Popen([LOAD], stdin=plan_file, stdout=out_file)
            _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{phase}: the load generator failed (exit {os.waitstatus_to_exitcode(status)})")
        with open(out_path) as f:
            result = json.load(f)
        for error in result["errors"]:
            self.warn(f"{phase}: {error}")
        if result["dry"]:
            self.warn(f"{phase}: the queue ran dry for an annotator")
        if result["late"]:
            self.warn(f"{phase}: {result['late']} human-pace cycles started late (the previous one took longer than the period)")
        wall = result["last"] - start_at
        claims = len(result["claim_ms"])
        return {**result, "claims": claims, "rate": claims / wall if wall > 0 else 0.0,
                "cpu": usage.ru_utime + usage.ru_stime, "wall": wall}

    # ---- inspection ----

    def claims(self, table):
        return int(psql(self.db, f"SELECT count(*) FROM {table} WHERE annotation_id IS NOT NULL"))

    def explain(self, phase):
        """EXPLAIN ANALYZE of the claim statements, each in a transaction rolled back."""
        session, role = psql(self.db, f"SELECT s.id, u.role FROM sessions s JOIN users u ON u.id = s.user_id "
                                      f"WHERE u.id = {self.first_user} LIMIT 1").split()
        execute = f"EXECUTE q('{session}', 'tag', 'annotate', 600, '{{}}', '{{{role}}}')"
        options = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        app_claim = run([CLAIM_SQL]).strip()
        cases = []
        for mode in ("custom", "generic"):
            cases.append((f"app claim, {mode} plan", [
                f"SET LOCAL plan_cache_mode = force_{mode}_plan",
                f"PREPARE q({CLAIM_PARAMS}) AS {app_claim}",
                options + execute]))
        cases.append(("raw claim on bench_queue", [options + RAW_CLAIM_SQL.format(task=self.task, user=self.first_user)]))
        for name, statements in cases:
            text = psql(self.db, "BEGIN", *statements, "ROLLBACK")
            plan = "\n".join(line for line in text.splitlines() if line.strip())
            execution = float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1))
            buffers = re.search(r"Buffers: (shared [^\n]*)", text)
            self.explains.append((phase, name, execution, buffers.group(1).strip() if buffers else "", plan))

    def table_stats(self, phase):
        for table in ("review_slots", "bench_queue"):
            live, dead, index_mb, vacuums, analyzes = psql(self.db, f"""
                SELECT n_live_tup, n_dead_tup, pg_relation_size('{self.open_index[table]}') / 1e6,
                       autovacuum_count + vacuum_count, autoanalyze_count + analyze_count
                FROM pg_stat_user_tables WHERE relid = '{table}'::regclass""").split()
            self.tables.append((phase, table, int(live), int(dead), float(index_mb), int(vacuums), int(analyzes)))

    def warn(self, message):
        print(f"  warning: {message}", flush=True)
        self.warnings.append(message)

    # ---- results ----

    def find(self, phase, prefix):
        """The (first) row of PHASE whose workload starts with PREFIX."""
        return next(row for row in self.rows if row[0] == phase and row[1].startswith(prefix))

    def rounds(self, phase):
        """(raw claim row, HTTP claim-only server row, its client row) of each round of PHASE."""
        def all_of(prefix):
            return [row for row in self.rows if row[0] == phase and row[1].startswith(prefix)]
        n = self.args.annotators
        return list(zip(all_of(f"pgbench raw claim, {n} clients"), all_of("HTTP claim only, server"),
                        all_of("HTTP claim only, client")))

    def median_round(self, phase, ratio):
        """The round of PHASE whose RATIO(raw, http server, http client) is the median."""
        ordered = sorted(self.rounds(phase), key=lambda r: ratio(*r))
        return ordered[(len(ordered) - 1) // 2]

    def ratios(self):
        """(label, values per phase, goal) rows comparing HTTP with the raw claim; the 32-client
        ratios are the median round's, with every round's listed below them."""
        find = self.find
        n = self.args.annotators
        phases = [p for p in dict.fromkeys(row[0] for row in self.rows) if p != "human pace"]
        out = []
        for label, goal, ratio in (
            ("HTTP claims/s ÷ raw claims/s (32 clients)", f"≥ {RATE_GOAL}", rate_ratio),
            ("HTTP claim p99 (server) ÷ raw claim p99 (32 clients)", f"≤ {P99_GOAL}", server_p99_ratio),
            ("HTTP claim p99 (client) ÷ raw claim p99 (32 clients)", "", client_p99_ratio),
        ):
            label = label.replace("32", str(n))
            out.append((label + ", median round", [ratio(*self.median_round(p, ratio)) for p in phases], goal))
            for i in range(self.args.rounds):
                out.append((f"  round {i + 1}", [ratio(*self.rounds(p)[i]) for p in phases], ""))
        for label, value in (
            ("HTTP claim + submit cycles/s ÷ raw claims/s (32 clients, median round)",
             lambda p: find(p, "HTTP claim, server")[2] / self.median_round(p, rate_ratio)[0][2]),
            ("HTTP claim + submit/s ÷ raw claim + fill/s",
             lambda p: find(p, "HTTP claim, server")[2] / find(p, "pgbench raw claim + fill")[2]),
            ("HTTP claim p99 (server) ÷ raw claim p99 (1 client)",
             lambda p: pct(find(p, "HTTP claim, server")[3], 99) / pct(find(p, "pgbench raw claim, 1 client")[3], 99)),
        ):
            out.append((label.replace("32", str(n)), [value(p) for p in phases], ""))
        return phases, out

    def report(self):
        a = self.args
        print()
        print(f"{a.items:,} queued items, {a.annotators} annotators / pgbench clients. HTTP latencies are measured by the")
        print("server (Server-Timing) and by the client on localhost; pgbench's per transaction.")
        print(f"Postgres: {self.settings}")
        print()
        print(f"{'workload':62} {'ops/s':>8} {'samples':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
        phase = None
        for row_phase, workload, rate, latencies, note in self.rows:
            if row_phase != phase:
                phase = row_phase
                print(phase)
            print(f"  {workload:60} {rate:8,.0f} {len(latencies):8,} {pct(latencies, 50):7.2f} {pct(latencies, 95):7.2f} "
                  f"{pct(latencies, 99):7.2f} {pct(latencies, 100):7.2f}")
        phases, ratios = self.ratios()
        print()
        print(f"{'ratio':50}" + "".join(f"{p:>24}" for p in phases) + f"{'goal':>8}")
        for label, values, goal in ratios:
            print(f"{label:50}" + "".join(f"{v:24.2f}" for v in values) + f"{goal:>8}")
        human = {re.sub(r"^HTTP (\w+), (\w+) time.*", r"\1 \2", row[1]): row for row in self.rows if row[0] == "human pace"}
        print(f"human pace WAL per cycle: {self.human_wal[0]:.0f} records, {self.human_wal[1]:.1f} full-page images, "
              f"{self.human_wal[2]:.1f} kB")
        print(f"human pace p99, server time: claim {pct(human['claim server'][3], 99):.2f} ms, "
              f"submit {pct(human['submit server'][3], 99):.2f} ms (goal ≤ 5 ms); client time: "
              f"claim {pct(human['claim client'][3], 99):.2f} ms, submit {pct(human['submit client'][3], 99):.2f} ms")
        print()
        for row_phase, cpu, wall, requests in self.driver_cpu:
            print(f"client CPU, {row_phase}: {cpu:.1f} s over {wall:.1f} s ({cpu / wall:.2f} cores, "
                  f"{cpu / max(requests, 1) * 1e6:.0f} µs per request)")
        print()
        print(f"{'table':14} {'phase':28} {'live rows':>10} {'dead rows':>10} {'open index MB':>14} {'vacuums':>8} {'analyzes':>9}")
        for row_phase, table, live, dead, index_mb, vacuums, analyzes in self.tables:
            print(f"{table:14} {row_phase:28} {live:10,} {dead:10,} {index_mb:14.1f} {vacuums:8} {analyzes:9}")
        print()
        for row_phase, name, execution, buffers, plan in self.explains:
            print(f"EXPLAIN ANALYZE, {name}, {row_phase}: {execution:.3f} ms, {buffers}; {scans(plan)}")
            print("    " + plan.replace("\n", "\n    "))
        if self.warnings:
            print("\nwarnings:\n  " + "\n  ".join(self.warnings))
        if a.markdown:
            self.write_markdown(phases, ratios, human)
        write_json(a.json, "claim", f"{a.items:,} queued `tag` items, {a.annotators} annotators",
                   self.figures(phases, human))

    def figures(self, phases, human):
        """The figures the goals are set on: flat out, HTTP claims against the raw claim (rate and
        server p99) in each phase; at human pace, the server p99 of a claim and of a submission."""
        n = self.args.annotators
        out = []
        for phase in phases:
            raw, http, _ = self.median_round(phase, rate_ratio)
            rate = rate_ratio(raw, http, None)
            out.append(figure(f"HTTP claims/s, {phase}", http[2], "claims/s", raw[2],
                              f"raw `SKIP LOCKED` claim, pgbench, {n} clients (median of {self.args.rounds} "
                              f"interleaved rounds)", rate, f"≥ {RATE_GOAL}×", rate >= RATE_GOAL))
            raw, http, _ = self.median_round(phase, server_p99_ratio)
            p99, raw_p99 = pct(http[3], 99), pct(raw[3], 99)
            out.append(figure(f"HTTP claim p99 (server), {phase}", p99, "ms", raw_p99,
                              f"the raw claim's p99 (median of {self.args.rounds} rounds)",
                              p99 / raw_p99, f"≤ {P99_GOAL}×", p99 / raw_p99 <= P99_GOAL))
        for name in ("claim", "submit"):
            p99 = pct(human[f"{name} server"][3], 99)
            out.append(figure(f"HTTP {name} p99 (server), human pace", p99, "ms",
                              goal=f"≤ {HUMAN_P99_GOAL_MS} ms", met=p99 <= HUMAN_P99_GOAL_MS))
        return out

    def write_markdown(self, phases, ratios, human):
        a = self.args
        with open(a.markdown, "a") as md:
            md.write(f"\n### Review queue: claims over HTTP with {a.items:,} queued items, {a.annotators} annotators\n\n")
            md.write(f"`scripts/bench claim`: {a.items:,} `tag` items routed to humans, one open slot each, seeded in SQL "
                     f"and copied into `bench_queue` (`LIKE review_slots INCLUDING ALL` plus the foreign keys of "
                     f"`item_id`, `task_id` and `user_id`). pgbench runs the raw claim `UPDATE … WHERE id = (SELECT … "
                     f"FOR UPDATE SKIP LOCKED LIMIT 1)` on it (after each claim-only run, the claimed slots are filled "
                     f"in one statement), and raw claim + fill (`SET annotation_id`). Over HTTP, {a.annotators} signed-in "
                     f"annotators (one keep-alive connection each, driven by the compiled load generator "
                     f"`examples/review_load.rs`, as pgbench is compiled) "
                     f"claim (`POST /api/review/next`) and submit (`POST /api/review/answer`) with no think time: a "
                     f"claim-only loop would renew the slot the annotator already holds. The server has "
                     f"{a.db_max_connections} database connections. Flat-out runs last {a.seconds:g} s (pgbench at 1 "
                     f"client: {a.seconds / 2:g} s). Between the two measurements, both queues are worked to the same "
                     f"number of claims, each submitted or filled, then ANALYZEd (not vacuumed). Every measured run "
                     f"starts on a settled database (no autovacuum worker busy on it, then a CHECKPOINT). HTTP latencies are "
                     f"recorded by the server (its `Server-Timing` header: request in to response head, session "
                     f"and database work included) and by the client on localhost; pgbench's per transaction, "
                     f"from its logs. "
                     f"Postgres: {self.settings}.\n\n")
            md.write("| phase | workload | ops/s | samples | p50 | p95 | p99 |\n|---|---|---:|---:|---:|---:|---:|\n")
            for row_phase, workload, rate, latencies, _ in self.rows:
                md.write(f"| {row_phase} | {workload} | {rate:,.0f} | {len(latencies):,} | {pct(latencies, 50):.2f} ms | "
                         f"{pct(latencies, 95):.2f} ms | {pct(latencies, 99):.2f} ms |\n")
            md.write("\n| ratio | " + " | ".join(phases) + " | goal |\n|---|" + "---:|" * len(phases) + "---|\n")
            for label, values, goal in ratios:
                md.write(f"| {label} | " + " | ".join(f"{v:.2f}" for v in values) + f" | {goal} |\n")
            md.write(f"\nHuman pace ({a.annotators} annotators, one claim and one submission each every {a.period:g} s): "
                     f"server time p99: claim {pct(human['claim server'][3], 99):.2f} ms, submit "
                     f"{pct(human['submit server'][3], 99):.2f} ms (goal ≤ 5 ms); client time p99: claim "
                     f"{pct(human['claim client'][3], 99):.2f} ms, submit {pct(human['submit client'][3], 99):.2f} ms. "
                     f"WAL per claim → submit cycle (whole cluster, `pg_stat_wal`): {self.human_wal[0]:.0f} records, "
                     f"{self.human_wal[1]:.1f} full-page images, {self.human_wal[2]:.1f} kB (the run starts right "
                     f"after a checkpoint, so first touches of pages write full images). "
                     f"For context: {LABEL_STUDIO}\n\n")
            md.write("Claim queries, EXPLAIN (ANALYZE, BUFFERS), rolled back:\n\n")
            for row_phase, name, execution, buffers, plan in self.explains:
                md.write(f"- {name}, {row_phase}: {execution:.3f} ms, {buffers}; {scans(plan)}\n")
            md.write("\n| table | phase | live rows (estimate) | dead rows | free-slot index | vacuums | analyzes |\n"
                     "|---|---|---:|---:|---:|---:|---:|\n")
            for row_phase, table, live, dead, index_mb, vacuums, analyzes in self.tables:
                md.write(f"| {table} | {row_phase} | {live:,} | {dead:,} | {index_mb:.1f} MB | {vacuums} | {analyzes} |\n")
            if self.warnings:
                md.write("\nWarnings: " + "; ".join(self.warnings) + ".\n")


def scans(plan):
    """The scans of an EXPLAIN ANALYZE plan, with the rows their filters removed and the buffers
    they touched, in one line."""
    found, current = [], None
    for line in plan.splitlines():
        scan = re.search(r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: using (\S+))? on (\S+)", line)
        if scan:
            found.append({"name": f"{scan.group(1).lower()} {scan.group(2) or scan.group(3)}", "removed": 0, "buffers": None})
            current = found[-1]
        elif "->" in line or re.match(r"\s*(Planning|Trigger|Execution)", line):
            current = None  # another node: its lines are not the scan's
        elif current:
            removed = re.search(r"Rows Removed by Filter: (\d+)", line)
            if removed:
                current["removed"] += int(removed.group(1))
            buffers = re.search(r"Buffers: shared (?:hit=(\d+))?\s*(?:read=(\d+))?", line)
            if buffers and current["buffers"] is None:
                current["buffers"] = sum(int(n or 0) for n in buffers.groups())
    parts = []
    for scan in found:
        notes = [f"{scan['buffers']:,} buffers"] if scan["buffers"] is not None else []
        if scan["removed"]:
            notes.append(f"{scan['removed']:,} rows filtered out")
        parts.append(f"`{scan['name']}`" + (f" ({', '.join(notes)})" if notes else ""))
    return ", ".join(parts)


def pct(values, p):
    """The p-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# ---- sign-in ----

def sign_in_one(port, email):
    """Signs `email` in; its session cookie, or `error: …`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "next": ""})
    connection.request("POST", "/api/auth/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    cookies = [c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or []]
    if response.status not in (200, 302, 303) or not cookies:
        return f"error: {email}: {response.status}"
    return "; ".join(cookies)


if __name__ == "__main__":
    main()

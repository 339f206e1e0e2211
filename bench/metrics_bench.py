#!/usr/bin/env python3
"""Metrics benchmark: the task metrics API and the metrics page's server function with
1,000,000 human verdicts, against the same figures aggregated straight from the verdicts in SQL
(what a page without the counters would have to run), measured in the same run.

Seeds N `tag` items with a judgment (confidence spread over [0.5, 1), agreeing with humans more
often the more confident it is), a routing decision (10% audit, the rest low confidence) and a
final human verdict spread over ten weeks and three generator versions, in batches of 100,000:
the triggers of migration 0008 keep `agreement_pairs` and the counters as the verdicts arrive.
The same verdict rows are also inserted into a plain copy of `verdicts` without triggers, so the
cost of keeping the counters shows as a ratio.

Then `cojudge serve` answers `GET /api/v1/tasks/tag/metrics` (trainer token; the stream-wide
figures, the default, and the unweighted audit-only and all-reviewed views) and `POST /api/metrics/task` (the page's server function, signed in), each
--requests times in a row, timed by the client on localhost and by the server (Server-Timing).
Standard library only.

Usage: bench/metrics_bench.py [--items 1000000] [--requests 50] [--markdown FILE] [--json FILE]
"""
import argparse
import http.client
import json
import math
import os
import re
import subprocess
import time
import urllib.parse

from benchlib import BIN, destroy_cluster, figure, fresh_database, run, start_cluster, wait_for, write_json

CLUSTER = "metrics-cluster"
PASSWORD = "bench-password-1234"
BATCH = 100_000
CRITERIA = ["relevance", "consistency", "specificity", "validity"]
GOAL_MS = 500


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--port", type=int, default=3197)
    parser.add_argument("--markdown")
    parser.add_argument("--json", help="write the headline figures to this file, for bench/summary.py")
    args = parser.parse_args()
    cluster = start_cluster(CLUSTER)
    server = None
    try:
        db = fresh_database(cluster, "bench_metrics")
        seeding = seed(db, args.items)
        naive = naive_aggregate(db)
        roll_up = time_roll_up(db)
        server = serve(db, args.port)
        created = run([BIN, "token", "create", "--name", "bench-metrics", "--role", "trainer"],
                      env={**os.environ, "DATABASE_URL": db, "RUST_LOG": "warn"})
        token = next(line for line in created.split() if line.startswith("cjt_"))
        cookie = sign_in(args.port)
        rows = [
            measure(args, "GET /api/v1/tasks/tag/metrics (the stream, weighted: the default)",
                    lambda c: get(c, "/api/v1/tasks/tag/metrics", token)),
            measure(args, "GET /api/v1/tasks/tag/metrics?sample=unbiased",
                    lambda c: get(c, "/api/v1/tasks/tag/metrics?sample=unbiased", token)),
            measure(args, "GET /api/v1/tasks/tag/metrics?sample=all_reviewed",
                    lambda c: get(c, "/api/v1/tasks/tag/metrics?sample=all_reviewed", token)),
            measure(args, "POST /api/metrics/task (the page's server function)",
                    lambda c: server_fn(c, cookie)),
        ]
        operations = [
            measure(args, "GET /api/v1/tasks/tag/operations?days=7",
                    lambda c: get(c, "/api/v1/tasks/tag/operations?days=7", token), activity_of),
            measure(args, "GET /api/v1/tasks/tag/operations?days=90",
                    lambda c: get(c, "/api/v1/tasks/tag/operations?days=90", token), activity_of),
            measure(args, "POST /api/operations/task, 90 days (the page's server function)",
                    lambda c: operations_fn(c, cookie), activity_of),
        ]
        report(args, seeding, naive, rows, roll_up, operations)
    finally:
        if server:
            server.terminate()
            server.wait()
        destroy_cluster(CLUSTER)


def psql(db, *statements):
    args = ["psql", "-v", "ON_ERROR_STOP=1", "-qtA", db]
    for statement in statements:
        args += ["-c", statement]
    return run(args)


def seed(db, items):
    """Items, judgments, routing decisions and verdicts in batches; returns timing figures."""
    env = {**os.environ, "DATABASE_URL": db, "RUST_LOG": "warn"}
    subprocess.run([BIN, "user", "add", "--email", "bench-admin@example.org", "--role", "admin", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
    psql(db, """INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method)
                SELECT id, 'bench-judge', 'p1', current_rubric, 'single', 'logprobs' FROM tasks WHERE name = 'tag'""",
         "CREATE TABLE verdicts_plain (LIKE verdicts INCLUDING ALL)")
    print(f"seeding {items:,} reviewed items in batches of {BATCH:,} …", flush=True)
    with_counters = plain = 0.0
    for start in range(1, items + 1, BATCH):
        end = min(items, start + BATCH - 1)
        psql(db, batch_items(start, end))
        t0 = time.monotonic()
        psql(db, batch_verdicts("verdicts", start, end))
        t1 = time.monotonic()
        psql(db, batch_verdicts("verdicts_plain", start, end))
        t2 = time.monotonic()
        with_counters += t1 - t0
        plain += t2 - t1
        print(f"  {end:,} items; verdicts with counters {t1 - t0:.1f} s, plain {t2 - t1:.1f} s", flush=True)
    psql(db, "VACUUM ANALYZE")
    counts = psql(db, "SELECT (SELECT count(*) FROM agreement_pairs), (SELECT count(*) FROM agreement_cells),"
                      " (SELECT count(*) FROM calibration_cells)").strip().split("|")
    return {"with_counters": with_counters, "plain": plain, "pairs": int(counts[0]),
            "cells": int(counts[1]), "buckets": int(counts[2])}


def batch_items(start, end):
    # Deterministic pseudo-random numbers per item from hashint8, in [0, 1).
    r = "((hashint8(x.g * {k})::float8 + 2147483648) / 4294967296)"
    confidence = f"(0.5 + 0.5 * {r.format(k=1)})"
    criteria_judge = ", ".join(
        f"'{c}', jsonb_build_object('label', CASE WHEN {r.format(k=i + 2)} < 0.85 THEN 'pass' ELSE 'fail' END,"
        f" 'confidence', {confidence})" for i, c in enumerate(CRITERIA))
    return f"""
    WITH task AS (SELECT id FROM tasks WHERE name = 'tag'),
    config AS (SELECT id FROM judge_configs WHERE model = 'bench-judge'),
    new_items AS (
        INSERT INTO items (task_id, external_id, context, output, content_hash, state, generator_version)
        SELECT (SELECT id FROM task), 'm-' || g, '{{}}', '{{}}', sha256(('m-' || g)::bytea), 'done',
               'gen-' || (g % 3)
        FROM generate_series({start}, {end}) g
        RETURNING id, external_id),
    judged AS (
        INSERT INTO judgments (item_id, judge_config_id, source, criteria, confidence, qualified, grade)
        SELECT n.id, (SELECT id FROM config), 'online', c.criteria, {confidence},
               NOT c.criteria::text LIKE '%fail%', CASE WHEN c.criteria::text LIKE '%fail%' THEN 'B' ELSE 'S' END
        FROM new_items n, LATERAL (SELECT substr(n.external_id, 3)::bigint AS g) x,
             LATERAL (SELECT jsonb_build_object({criteria_judge}) AS criteria) c
        RETURNING id, item_id)
    INSERT INTO routing_decisions (item_id, judgment_id, route, reason, annotations_required,
                                   inclusion_probability)
    SELECT j.item_id, j.id, 'human', r.reason, 1, inclusion_probability(r.reason, 0.05)
    FROM judged j, LATERAL (SELECT CASE WHEN j.item_id % 10 = 0 THEN 'audit' ELSE 'low_confidence' END
                                   AS reason) r"""


def batch_verdicts(table, start, end):
    """Human verdicts: each criterion agrees with the judge with probability equal to the judge's
    confidence; created over ten weeks."""
    r = "((hashint8(i.id * {k})::float8 + 2147483648) / 4294967296)"
    human = ", ".join(
        f"'{c}', CASE WHEN {r.format(k=i + 11)} < j.confidence THEN j.criteria -> '{c}' ->> 'label'"
        f" WHEN j.criteria -> '{c}' ->> 'label' = 'pass' THEN 'fail' ELSE 'pass' END"
        for i, c in enumerate(CRITERIA))
    return f"""
    INSERT INTO {table} (item_id, criteria, qualified, grade, provenance, decided_by, rubric_version, created_at)
    SELECT i.id, h.criteria, NOT h.criteria::text LIKE '%fail%',
           CASE WHEN h.criteria::text LIKE '%fail%' THEN 'B' ELSE 'S' END, 'human',
           (SELECT id FROM users WHERE email = 'bench-admin@example.org'), 1,
           now() - make_interval(days => (i.id % 70)::int)
    FROM items i JOIN judgments j ON j.item_id = i.id,
         LATERAL (SELECT jsonb_build_object({human}) AS criteria) h
    WHERE i.external_id = ANY (SELECT 'm-' || g FROM generate_series({start}, {end}) g)"""


def naive_aggregate(db):
    """The confusion counts per criterion straight from the verdicts: seconds, best of three."""
    query = """SELECT h.key, h.value #>> '{}', j.criteria -> h.key ->> 'label', count(*)
               FROM verdicts v JOIN judgments j ON j.item_id = v.item_id
               CROSS JOIN LATERAL jsonb_each(v.criteria) h
               WHERE v.provenance IN ('human', 'adjudicated') GROUP BY 1, 2, 3"""
    best = math.inf
    for _ in range(3):
        start = time.monotonic()
        psql(db, query)
        best = min(best, time.monotonic() - start)
    return best


def time_roll_up(db):
    """The operations sampler's work on this data: the first roll-up of all history, and one tick
    (a queue sample and the last two hours rolled up), best of three."""
    start = time.monotonic()
    psql(db, "SELECT activity_roll_up('-infinity')")
    full = time.monotonic() - start
    hours = int(psql(db, "SELECT count(*) FROM activity_hours").strip())
    best = math.inf
    for n in range(3):
        start = time.monotonic()
        psql(db, f"SELECT queue_sample(now() + make_interval(mins => {n}))",
             "SELECT activity_roll_up(now() - interval '2 hours')")
        best = min(best, time.monotonic() - start)
    return {"full": full, "tick": best, "hours": hours}


def activity_of(figures):
    """Verdicts in the period of an operations answer."""
    return sum(d["totals"]["verdicts_human"] for d in figures["days_totals"])


def serve(db, port):
    env = {**os.environ, "DATABASE_URL": db, "RUST_LOG": "warn"}
    log = open(os.path.join(os.path.dirname(BIN), "..", "bench", "metrics-serve.log"), "w")
    server = subprocess.Popen([BIN, "serve", "--port", str(port), "--demo", "never", "--embedded-worker", "false"],
                              env=env, stdout=log, stderr=log)
    wait_for(port)
    return server


def sign_in(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"email": "bench-admin@example.org", "password": PASSWORD, "next": ""})
    connection.request("POST", "/api/auth/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
    response = connection.getresponse()
    response.read()
    return "; ".join(c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or [])


def get(connection, path, token):
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    return connection.getresponse()


def server_fn(connection, cookie):
    body = json.dumps({"task": "tag", "query": {"sample": "stream", "judge_config": None, "target_agreement": 0.95}})
    connection.request("POST", "/api/metrics/task", body=body, headers={
        "Content-Type": "application/json", "Accept": "application/json", "Cookie": cookie,
        "Origin": connection.origin})
    return connection.getresponse()


def operations_fn(connection, cookie):
    body = json.dumps({"task": "tag", "days": 90})
    connection.request("POST", "/api/operations/task", body=body, headers={
        "Content-Type": "application/json", "Accept": "application/json", "Cookie": cookie,
        "Origin": connection.origin})
    return connection.getresponse()


def compared_of(figures):
    """Items compared in a metrics answer."""
    return figures["overall"]["pairs"]


def measure(args, name, call, items_of=compared_of):
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
    connection.origin = f"http://127.0.0.1:{args.port}"
    client, server = [], []
    pairs = None
    for n in range(args.requests + 1):
        start = time.perf_counter()
        response = call(connection)
        data = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{name}: {response.status} {data[:300]!r}")
        timing = re.search(r"app;dur=([0-9.]+)", response.getheader("server-timing") or "")
        if n == 0:
            pairs = items_of(json.loads(data))
            continue  # the first request warms the connection's prepared statements
        client.append(elapsed)
        server.append(float(timing.group(1)))
    print(f"{name}: p50 {pct(server, 50):.1f} ms, p95 {pct(server, 95):.1f} ms (server); "
          f"{pairs:,} items", flush=True)
    return name, pairs, client, server


def pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def report(args, seeding, naive, rows, roll_up, operations):
    lines = [
        f"\n### Metrics with {args.items:,} human verdicts\n",
        f"`scripts/bench metrics`: {args.items:,} `tag` items with a judgment, a routing decision (10% audit) and "
        f"a human verdict (ten weeks, three generator versions), seeded in batches of {BATCH:,}; the triggers "
        f"of migration 0008 keep {seeding['pairs']:,} agreement pairs summed in {seeding['cells']:,} agreement "
        f"counters and {seeding['buckets']:,} calibration counters. {args.requests} requests in a row per row "
        f"below, on one keep-alive connection, after one warm-up request; the server time is its "
        f"`Server-Timing` header.\n",
        "| request | items compared | server p50 | server p95 | client p50 | client p95 | client max | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, pairs, client, server in rows:
        lines.append(f"| {name} | {pairs:,} | {pct(server, 50):.1f} ms | {pct(server, 95):.1f} ms | "
                     f"{pct(client, 50):.1f} ms | {pct(client, 95):.1f} ms | {max(client):.1f} ms | ≤ {GOAL_MS} ms |")
    slowest = max(pct(client, 95) for _, _, client, _ in rows)
    lines += [
        "",
        f"Baseline in the same run: the confusion counts per criterion aggregated straight from `verdicts` and "
        f"`judgments` in SQL (no counters; what each page view would otherwise cost) take {naive * 1000:,.0f} ms "
        f"(best of three, psql); the slowest API p95 above is {slowest:.1f} ms, "
        f"{slowest / (naive * 1000):.3f}× of it.",
        "",
        f"Cost of keeping the counters: inserting the {args.items:,} verdicts took {seeding['with_counters']:.1f} s "
        f"with the triggers and {seeding['plain']:.1f} s into a plain copy of `verdicts` "
        f"({seeding['with_counters'] / max(seeding['plain'], 1e-9):.1f}× per verdict written in bulk).",
        "",
        f"**Operations dashboards** on the same data. The sampler's first roll-up of all history "
        f"({args.items:,} judgments and verdicts into {roll_up['hours']:,} task-hours) took {roll_up['full']:.1f} s; "
        f"a tick (queue sample and the last two hours rolled up) takes {roll_up['tick'] * 1000:.0f} ms "
        f"(best of three, psql). The page and API then read those hours:",
        "",
        "| request | verdicts in the period | server p50 | server p95 | client p50 | client p95 | client max | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, verdicts, client, server in operations:
        lines.append(f"| {name} | {verdicts:,} | {pct(server, 50):.1f} ms | {pct(server, 95):.1f} ms | "
                     f"{pct(client, 50):.1f} ms | {pct(client, 95):.1f} ms | {max(client):.1f} ms | ≤ {GOAL_MS} ms |")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "a") as md:
            md.write(text)
    slowest_operations = max(pct(client, 95) for _, _, client, _ in operations)
    write_json(args.json, "metrics", f"{args.items:,} human verdicts", [
        figure("metrics API and page, slowest client p95", slowest, "ms", naive * 1000,
               "the same counts aggregated from `verdicts` in SQL", goal=f"≤ {GOAL_MS} ms", met=slowest <= GOAL_MS),
        figure("operations API and page, slowest client p95", slowest_operations, "ms",
               goal=f"≤ {GOAL_MS} ms", met=slowest_operations <= GOAL_MS),
        figure("operations sampler tick", roll_up["tick"] * 1000, "ms"),
        figure("inserting the verdicts, with the counters' triggers", seeding["with_counters"], "s", seeding["plain"],
               "into a plain copy of `verdicts`", seeding["with_counters"] / max(seeding["plain"], 1e-9)),
    ])


if __name__ == "__main__":
    main()

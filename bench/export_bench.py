#!/usr/bin/env python3
"""Export benchmark (issue 7): `cojudge export` of N final verdicts to JSON Lines, Parquet and
CSV against `psql \\copy (the same query) to FILE`, measured in the same run.

Seeds N `interest` items in batches with `INSERT … SELECT FROM generate_series` through psql:
a realistic context (a user and a three-day behaviour history, a few hundred bytes; every
context shared by two items, so preference and listwise have groups) and output (3–5
`{interest, reason}`), a judgment by the task's one judge configuration (confidence in
[0.5, 1)), a routing decision, and the final verdict: ~85% auto-accepted (provenance `judge`,
the judgment's labels) and ~15% decided by a reviewer (provenance `human`). The triggers of
migration 0008 run as the judgments and verdicts arrive. Then VACUUM ANALYZE and a checkpoint.

Baseline: `psql \\copy (QUERY) to FILE`, QUERY being the statement the app streams for the
`verdicts` shape, read from app/src/db/export_source.rs (`VERDICT_COLUMNS`, `JUDGE_JOIN`,
`FILTERS`, `from_where`, `verdict_sql`) with its parameters as literals (the task, as_of = now(), no filters), ordered
by item id. App: `cojudge export --task interest --shape verdicts` as jsonl, parquet and csv,
plus `--shape sft` (jsonl) and `--shape preference` (parquet) for information; each with its
wall time and peak RSS (wait4). Every case runs --runs times (default 3), interleaved in
rounds; the best time is reported, with the largest peak RSS of the runs. Standard library only.

Usage: bench/export_bench.py [--items 1000000] [--runs 3] [--markdown FILE] [--json FILE]
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

from benchlib import (BIN, ROOT, WORK, database_url, destroy_cluster, figure, fresh_database, run,
                      start_cluster, timed_child, write_json)

CLUSTER = "export-cluster"
TASK = "interest"
BATCH = 100_000
SOURCE = os.path.join(ROOT, "app/src/db/export_source.rs")
OUT = os.path.join(WORK, "export-out")
RATIO_GOAL = 0.8
RSS_GOAL_MB = 300
HUMAN_SHARE = 0.15
REASONABLENESS_FAIL = 0.25

# (label, shape, format, counts toward the goals)
CASES = [
    ("verdicts jsonl", "verdicts", "jsonl", True),
    ("verdicts parquet", "verdicts", "parquet", True),
    ("verdicts csv", "verdicts", "csv", True),
    ("sft jsonl", "sft", "jsonl", False),
    ("preference parquet", "preference", "parquet", False),
]

HOBBIES = ["tennis", "hiking", "photography", "baking", "gardening", "yoga", "cycling", "chess",
           "watercolour painting", "fly fishing", "camping", "trail running", "guitar", "knitting",
           "board games", "specialty coffee", "birdwatching", "pottery", "open-water swimming",
           "bouldering", "home brewing", "sourdough", "jazz vinyl", "film cameras"]
GEAR = ["starter kit", "beginner's guide", "carry bag", "gloves", "cleaning kit", "magazine",
        "practice set", "replacement parts", "gift set", "storage case"]
QUERIES = ["for beginners", "classes near me", "best brands 2025", "how to improve",
           "weekend events", "used for sale"]
NECESSITIES = ["toilet paper", "laundry detergent", "rice 5 kg", "toothpaste", "dish soap",
               "bottled water", "paper towels", "shampoo"]
EXTRAS = ["equipment", "events", "techniques", "community"]
NEVER_SUPPORTED = ["smart home", "luxury watches", "sailing", "wine collecting"]
WEAK_REASONS = ["users of this age often enjoy it", "viewed a related article once",
                "likely given the city tier", "no specific behaviour; inferred from the profile"]
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55+"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the best time is reported")
    parser.add_argument("--markdown", help="append a results section to this file")
    parser.add_argument("--json", help="write the headline figures to this file, for bench/summary.py")
    parser.add_argument("--keep", action="store_true",
                        help="keep the seeded cluster afterwards, and reuse it if it holds --items items "
                             "(for trying changes; the seeding is then not timed)")
    args = parser.parse_args()
    query_template = verdicts_query_template()
    reused = args.keep and kept_database(args.items)
    cluster = reused or start_cluster(CLUSTER)
    try:
        if reused:
            db = database_url(cluster, "bench_export")
            seeding = describe(db, args.items)
            print(f"reusing the seeded database of a --keep run ({args.items:,} items)")
        else:
            db = fresh_database(cluster, "bench_export")
            seeding = seed(db, args.items)
        task_id = psql(db, f"SELECT id FROM tasks WHERE name = '{TASK}'").strip()
        query = substitute(query_template, task_id)
        results = measure(args, db, query)
        report(args, seeding, results)
    finally:
        shutil.rmtree(OUT, ignore_errors=True)
        if not args.keep:
            destroy_cluster(CLUSTER)


def kept_database(items):
    """The cluster URL if a --keep run left a database with `items` verdicts, else None."""
    try:
        cluster = run([BIN, "db", "start", "--data-dir", os.path.join(WORK, CLUSTER)]).strip()
        count = psql(database_url(cluster, "bench_export"), "SELECT count(*) FROM verdicts").strip()
    except (Exception, SystemExit):  # no cluster, or no database in it
        return None
    return cluster if count == str(items) else None


def psql(db, *statements):
    args = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-qtA", db]
    for statement in statements:
        args += ["-c", statement]
    return run(args)


# --- the baseline query -------------------------------------------------------------------------

def verdicts_query_template():
    """`Selection::verdict_sql(Extras::default())`: VERDICT_COLUMNS, no context key, no
    rationale, `from_where(true)` (JUDGE_JOIN and FILTERS), ordered by item id; still with
    $1–$10."""
    text = open(SOURCE).read()

    def constant(name):
        found = re.search(rf'const {name}: &str = r#"(.*?)"#;', text, re.S)
        if not found:
            sys.exit(f"{SOURCE}: cannot find `const {name}`; update bench/export_bench.py")
        return found.group(1)

    confidence = "($6::float8 IS NULL OR judge.confidence >= $6)"
    if "NULL::text" not in text or '"i.id"' not in text or confidence not in text:
        sys.exit(f"{SOURCE}: `verdict_sql` or `from_where` changed; update bench/export_bench.py")
    from_where = (f" FROM items i JOIN verdicts v ON v.item_id = i.id {constant('JUDGE_JOIN')} "
                  f"{constant('FILTERS')} AND {confidence}")
    return (f"{constant('VERDICT_COLUMNS')}, NULL::text AS context_key, NULL::text AS rationale "
            f"{from_where} ORDER BY i.id")


def substitute(template, task_id):
    """The parameters the CLI binds for `--task interest` and no filters, as literals."""
    values = {1: str(int(task_id)), 2: "now()", 3: "NULL::timestamptz", 4: "NULL::timestamptz",
              5: "'all'", 6: "NULL::float8", 7: "NULL::text", 8: "NULL::text", 9: "NULL::int",
              10: "NULL::bigint[]"}
    sql = re.sub(r"\$(\d+)", lambda m: values[int(m.group(1))], template)
    if "$" in sql:
        sys.exit("the export query has parameters this benchmark does not know")
    return " ".join(sql.split())  # \copy takes one line


# --- seeding ------------------------------------------------------------------------------------

def array(words):
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


HELPERS = [
    # Deterministic pseudo-random numbers in [0, 1) per (n, k).
    """CREATE FUNCTION bench_r(n bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
       $$ SELECT (hashint8(n * 64 + k)::float8 + 2147483648) / 4294967296 $$""",
    """CREATE FUNCTION bench_pick(words text[], n bigint, k int) RETURNS text LANGUAGE sql IMMUTABLE AS
       $$ SELECT words[1 + floor(bench_r(n, k) * cardinality(words))::int] $$""",
]


def seed(db, items):
    """Items, judgments, routing decisions and verdicts in batches; returns seeding figures."""
    env = {**os.environ, "DATABASE_URL": db, "RUST_LOG": "warn"}
    subprocess.run([BIN, "user", "add", "--email", "bench-reviewer@example.org", "--role", "reviewer",
                    "--password-stdin"], input="bench-password-1234\n", text=True, env=env, check=True,
                   capture_output=True)
    psql(db, f"""INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method)
                 SELECT id, 'bench-judge', 'p1', current_rubric, 'single', 'logprobs' FROM tasks WHERE name = '{TASK}'""",
         *HELPERS)
    print(f"seeding {items:,} `{TASK}` items with a judgment, a routing decision and a verdict, "
          f"in batches of {BATCH:,} …", flush=True)
    started = time.monotonic()
    for start in range(1, items + 1, BATCH):
        end = min(items, start + BATCH - 1)
        t0 = time.monotonic()
        psql(db, batch_items(start, end), batch_verdicts(start, end))
        print(f"  {end:,} items ({time.monotonic() - t0:.1f} s)", flush=True)
    seeding_s = time.monotonic() - started
    t0 = time.monotonic()
    psql(db, "DROP FUNCTION bench_pick(text[], bigint, int)", "DROP FUNCTION bench_r(bigint, int)",
         "VACUUM ANALYZE", "CHECKPOINT")
    analyze_s = time.monotonic() - t0
    figures = describe(db, items)
    figures.update(seeding_s=seeding_s, analyze_s=analyze_s)
    print(f"seeded in {seeding_s:.1f} s ({items / seeding_s:,.0f} items/s), VACUUM ANALYZE + CHECKPOINT "
          f"{analyze_s:.1f} s; {figures['contexts']:,} contexts, context {figures['context_bytes']} B and "
          f"output {figures['output_bytes']} B on average; {figures['human']:,} human verdicts, "
          f"{figures['qualified']:,} qualified", flush=True)
    return figures


def describe(db, items):
    """What the seeded database holds (seeding_s is None: not seeded in this run)."""
    row = psql(db, """SELECT count(*), round(avg(octet_length(i.context::text))), round(avg(octet_length(i.output::text))),
                             count(DISTINCT i.context), count(*) FILTER (WHERE v.provenance = 'human'),
                             count(*) FILTER (WHERE v.qualified)
                      FROM items i JOIN verdicts v ON v.item_id = i.id""").strip().split("|")
    figures = dict(zip(["verdicts", "context_bytes", "output_bytes", "contexts", "human", "qualified"],
                       (int(float(x)) for x in row)))
    if figures["verdicts"] != items:
        sys.exit(f"seeded {figures['verdicts']:,} verdicts, expected {items:,}")
    figures.update(seeding_s=None, analyze_s=None)
    return figures


def batch_items(start, end):
    """Items of external ids x-START … x-END with their judgment and routing decision. Items g
    and g+1 (g odd) share context number c = (g + 1) / 2."""
    hobbies, gear, queries = array(HOBBIES), array(GEAR), array(QUERIES)
    entry = "jsonb_build_object('interest', {}, 'reason', {})"
    event = "jsonb_build_object('action', '{}', '{}', {})"
    context = f"""jsonb_build_object(
        'user', jsonb_build_object('age_band', bench_pick({array(AGE_BANDS)}, s.c, 1),
                                   'gender', bench_pick(ARRAY['female', 'male'], s.c, 2),
                                   'city_tier', 1 + floor(bench_r(s.c, 3) * 5)::int),
        'history', jsonb_build_array(
            jsonb_build_object('date', to_char(s.d0, 'YYYY-MM-DD'), 'events', jsonb_build_array(
                {event.format('buy', 'item', 's.i1')}, {event.format('search', 'query', 's.q1')})),
            jsonb_build_object('date', to_char(s.d1, 'YYYY-MM-DD'), 'events', jsonb_build_array(
                {event.format('favourite', 'item', 's.i2')}, {event.format('buy', 'item', 's.necessity')},
                {event.format('view', 'item', 's.i3')})),
            jsonb_build_object('date', to_char(s.d2, 'YYYY-MM-DD'), 'events', jsonb_build_array(
                {event.format('review', 'item', 's.i2b')}, {event.format('cart', 'item', 's.i3b')},
                {event.format('search', 'query', 's.q3')}))))"""
    reasons = [
        "'bought ' || s.i1 || ' on ' || to_char(s.d0, 'Mon FMDD') || ' and searched \"' || s.q1 || '\"'",
        "'favourited ' || s.i2 || ' on ' || to_char(s.d1, 'Mon FMDD') || ' and read reviews of ' || s.i2b",
        "'viewed ' || s.i3 || ' on ' || to_char(s.d1, 'Mon FMDD') || ' and added ' || s.i3b || ' to cart'",
        "'searched \"' || s.q1 || '\" after buying ' || s.i1",
    ]
    supported = ", ".join(entry.format(h, reason) for h, reason in zip(["s.h1", "s.h2", "s.h3"], reasons))
    fourth = entry.format(f"s.h1 || ' ' || bench_pick({array(EXTRAS)}, s.g, 21)", reasons[3])
    unsupported = entry.format(f"bench_pick({array(NEVER_SUPPORTED)}, s.g, 22)",
                               f"bench_pick({array(WEAK_REASONS)}, s.g, 23)")
    output = f"""jsonb_build_object('interests', jsonb_build_array({supported})
        || CASE WHEN s.fourth THEN jsonb_build_array({fourth}) ELSE '[]' END
        || CASE WHEN s.bad THEN jsonb_build_array({unsupported}) ELSE '[]' END)"""
    judge_label = "CASE WHEN s.bad = (s.rj < s.conf) THEN 'fail' ELSE 'pass' END"
    return f"""
    WITH task AS (SELECT id FROM tasks WHERE name = '{TASK}'),
    config AS (SELECT id FROM judge_configs WHERE model = 'bench-judge' AND task_id = (SELECT id FROM task)),
    src AS (
        SELECT g, k.c, a.*, b.*
        FROM generate_series({start}::bigint, {end}::bigint) g
        CROSS JOIN LATERAL (SELECT (g + 1) / 2 AS c) k
        CROSS JOIN LATERAL (SELECT
            bench_pick({hobbies}, k.c, 4) AS h1, bench_pick({hobbies}, k.c, 5) AS h2,
            bench_pick({hobbies}, k.c, 6) AS h3,
            DATE '2025-03-01' + floor(bench_r(k.c, 7) * 200)::int AS d0,
            bench_pick({array(NECESSITIES)}, k.c, 8) AS necessity,
            bench_r(g, 10) < {HUMAN_SHARE} AS human, bench_r(g, 12) < {REASONABLENESS_FAIL} AS bad,
            bench_r(g, 13) AS rj, bench_r(g, 14) * 60 AS days_ago, bench_r(g, 15) < 0.5 AS fourth,
            bench_r(g, 16) AS audit_draw,
            CASE WHEN bench_r(g, 10) < {HUMAN_SHARE} THEN 0.5 + 0.3 * bench_r(g, 11)
                 ELSE 0.8 + 0.2 * bench_r(g, 11) END AS conf) a
        CROSS JOIN LATERAL (SELECT
            a.h1 || ' ' || bench_pick({gear}, k.c, 17) AS i1, a.h1 || ' ' || bench_pick({queries}, k.c, 18) AS q1,
            a.h2 || ' ' || bench_pick({gear}, k.c, 19) AS i2, a.h2 || ' ' || bench_pick({gear}, k.c, 20) AS i2b,
            a.h3 || ' ' || bench_pick({gear}, k.c, 24) AS i3, a.h3 || ' ' || bench_pick({gear}, k.c, 25) AS i3b,
            a.h3 || ' ' || bench_pick({queries}, k.c, 26) AS q3,
            a.d0 + 1 + floor(bench_r(k.c, 27) * 5)::int AS d1,
            a.d0 + 6 + floor(bench_r(k.c, 28) * 10)::int AS d2) b),
    new_items AS (
        INSERT INTO items (task_id, external_id, context, output, generator_model, generator_version, batch,
                           content_hash, state, created_at, updated_at)
        SELECT (SELECT id FROM task), 'x-' || s.g, {context}, {output}, 'interest-gen-7b', 'v' || (1 + s.g % 3),
               'batch-' || lpad(((s.g - 1) / 50000 + 1)::text, 3, '0'), sha256(('x-' || s.g)::bytea), 'done',
               now() - make_interval(days => 1) - make_interval(secs => s.days_ago * 86400),
               now() - make_interval(secs => s.days_ago * 86400)
        FROM src s
        RETURNING id, substr(external_id, 3)::bigint AS g),
    judged AS (
        INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence,
                               prompt_tokens, completion_tokens, latency_ms, created_at)
        SELECT n.id, (SELECT id FROM config), 'online',
               jsonb_build_object('willingness', jsonb_build_object('label', 'pass', 'confidence', s.conf),
                                  'reasonableness', jsonb_build_object('label', {judge_label}, 'confidence', s.conf)),
               {judge_label} = 'pass', CASE WHEN {judge_label} = 'pass' THEN 'S' ELSE 'B' END, s.conf,
               900 + (s.g % 400)::int, 60 + (s.g % 50)::int, 700 + (s.g % 900)::int,
               now() - make_interval(hours => 20) - make_interval(secs => s.days_ago * 86400)
        FROM new_items n JOIN src s USING (g)
        RETURNING id, item_id)
    INSERT INTO routing_decisions (item_id, judgment_id, route, reason, threshold, audit_draw, annotations_required,
                                   inclusion_probability, created_at)
    SELECT j.item_id, j.id, CASE WHEN s.human THEN 'human' ELSE 'auto' END, r.reason,
           0.8, s.audit_draw, CASE WHEN s.human THEN 1 ELSE 0 END, inclusion_probability(r.reason, 0.2),
           now() - make_interval(hours => 20) - make_interval(secs => s.days_ago * 86400)
    FROM judged j JOIN new_items n ON n.id = j.item_id JOIN src s USING (g),
         LATERAL (SELECT CASE WHEN NOT s.human THEN 'confident' WHEN s.audit_draw < 0.2 THEN 'audit'
                              ELSE 'low_confidence' END AS reason) r"""


def batch_verdicts(start, end):
    """Final verdicts of items x-START … x-END: the judgment's labels when auto-accepted (its
    judgment id), the true labels when a reviewer decided (decided_by, no judgment id)."""
    return f"""
    INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, judgment_id, decided_by,
                          rubric_version, created_at, updated_at)
    SELECT i.id, jsonb_build_object('willingness', 'pass', 'reasonableness', l.label), l.label = 'pass',
           CASE WHEN l.label = 'pass' THEN 'S' ELSE 'B' END,
           CASE WHEN r.route = 'auto' THEN 'judge' ELSE 'human' END,
           CASE WHEN r.route = 'auto' THEN j.id END,
           CASE WHEN r.route = 'human' THEN (SELECT id FROM users WHERE email = 'bench-reviewer@example.org') END,
           t.current_rubric, x.decided, x.decided
    FROM items i JOIN tasks t ON t.id = i.task_id
         JOIN judgments j ON j.item_id = i.id JOIN routing_decisions r ON r.item_id = i.id,
         LATERAL (SELECT substr(i.external_id, 3)::bigint AS g) n,
         LATERAL (SELECT now() - make_interval(secs => bench_r(n.g, 14) * 60 * 86400) AS decided) x,
         LATERAL (SELECT CASE WHEN r.route = 'auto' THEN j.criteria -> 'reasonableness' ->> 'label'
                              WHEN bench_r(n.g, 12) < {REASONABLENESS_FAIL} THEN 'fail' ELSE 'pass' END AS label) l
    WHERE t.name = '{TASK}'
      AND i.external_id = ANY (SELECT 'x-' || g FROM generate_series({start}, {end}) g)"""


# --- measuring ----------------------------------------------------------------------------------

def measure(args, db, query):
    """Runs \\copy and every export --runs times, interleaved; returns {label: [run, …]}."""
    env = {**os.environ, "DATABASE_URL": db, "RUST_LOG": "warn"}
    results = {"copy": []}
    results.update({label: [] for label, *_ in CASES})
    copy_file = os.path.join(OUT, "copy.txt")
    for round_ in range(1, args.runs + 1):
        print(f"round {round_} of {args.runs}:", flush=True)
        shutil.rmtree(OUT, ignore_errors=True)
        os.makedirs(OUT)
        seconds, rss, cpu, out = timed_child(
            ["psql", "-X", "-v", "ON_ERROR_STOP=1", db, "-c", f"\\copy ({query}) to '{copy_file}'"],
            env, name="export-copy")
        rows = int(re.search(r"COPY (\d+)", out).group(1))
        results["copy"].append(dict(seconds=seconds, rss=rss, cpu=cpu, rows=rows, bytes=os.path.getsize(copy_file)))
        os.remove(copy_file)
        print(f"  psql \\copy: {rows:,} rows in {seconds:.2f} s", flush=True)
        for label, shape, fmt, _ in CASES:
            out_dir = os.path.join(OUT, f"{shape}-{fmt}")
            seconds, rss, cpu, _ = timed_child(
                [BIN, "export", "--task", TASK, "--shape", shape, "--format", fmt, "--out", out_dir],
                env, name=f"export-{shape}-{fmt}")
            manifest = json.load(open(os.path.join(out_dir, "manifest.json")))
            size = sum(f["bytes"] for f in manifest["files"])
            results[label].append(dict(seconds=seconds, rss=rss, cpu=cpu, rows=manifest["rows"], bytes=size))
            shutil.rmtree(out_dir)
            print(f"  cojudge export {label}: {manifest['rows']:,} rows in {seconds:.2f} s, peak RSS {rss:.0f} MB",
                  flush=True)
    for label in ("copy", "verdicts jsonl", "verdicts parquet", "verdicts csv"):
        counts = {r["rows"] for r in results[label]}
        if counts != {args.items}:
            sys.exit(f"{label}: {sorted(counts)} rows, expected {args.items:,}")
    return results


def best(runs):
    """The fastest run, with the largest peak RSS and output of all runs."""
    fastest = min(runs, key=lambda r: r["seconds"])
    return {**fastest, "rss": max(r["rss"] for r in runs)}


def report(args, seeding, results):
    copy = best(results["copy"])
    rows = [("psql \\copy (baseline, text)", copy)] + [
        (f"cojudge export {label}", best(results[label])) for label, *_ in CASES]
    jsonl, parquet = best(results["verdicts jsonl"]), best(results["verdicts parquet"])
    jsonl_ratio = copy["seconds"] / jsonl["seconds"]
    app_rss = max(r["rss"] for label, *_ in CASES for r in results[label])
    goals = [
        (f"JSON Lines ≥ {RATIO_GOAL}× the `\\copy` rate", f"{jsonl_ratio:.3f}×", jsonl_ratio >= RATIO_GOAL),
        ("Parquet no slower than JSON Lines",
         f"{parquet['seconds']:.2f} s vs {jsonl['seconds']:.2f} s ({jsonl['seconds'] / parquet['seconds']:.3f}× "
         f"the JSON Lines rate)", parquet["seconds"] <= jsonl["seconds"]),
        (f"peak RSS < {RSS_GOAL_MB} MB", f"{app_rss:.0f} MB at most, over every export run", app_rss < RSS_GOAL_MB),
    ]

    def mb(value):
        return f"{value / 1e6:,.0f}" if value >= 1e7 else f"{value / 1e6:,.1f}"

    table = []
    for name, r in rows:
        table.append((name, f"{r['rows']:,}", f"{r['seconds']:.2f}", f"{r['rows'] / r['seconds']:,.0f}",
                      f"{copy['seconds'] / r['seconds']:.2f}", f"{r['rss']:.0f}", f"{r['cpu']:.2f}", mb(r["bytes"])))
    headers = ("path", "rows", "seconds", "rows/s", "vs \\copy", "peak RSS MB", "CPU s", "file MB")
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(headers)]
    print(f"\nbest of {args.runs} runs per row (peak RSS: the largest of the runs); "
          f"vs \\copy = \\copy time / export time (the same {args.items:,} verdicts read); CPU s = the client "
          f"process's (psql's or cojudge's), not the Postgres backend's:")
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))))
    for t in table:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(t, widths))))
    print()
    for goal, value, met in goals:
        print(f"goal: {goal}: {value} — {'met' if met else 'NOT MET'}")
    csv = best(results["verdicts csv"])
    (*_, jsonl_met), (*_, parquet_met), (*_, rss_met) = goals

    def rate(r):
        return r["rows"] / r["seconds"]
    write_json(args.json, "export", f"{args.items:,} `{TASK}` verdicts", [
        figure("verdicts to JSON Lines", rate(jsonl), "rows/s", rate(copy), "`psql \\copy` of the same query",
               jsonl_ratio, f"≥ {RATIO_GOAL}×", jsonl_met),
        figure("verdicts to Parquet", rate(parquet), "rows/s", rate(jsonl), "the export to JSON Lines",
               jsonl["seconds"] / parquet["seconds"], "≥ 1× (no slower)", parquet_met),
        figure("verdicts to CSV", rate(csv), "rows/s", rate(copy), "`psql \\copy` of the same query",
               copy["seconds"] / csv["seconds"]),
        figure("peak RSS, over every export run", app_rss, "MB", goal=f"< {RSS_GOAL_MB} MB", met=rss_met),
    ])

    if not args.markdown:
        return
    n = args.items
    lines = [
        f"\n### Export of {n:,} `{TASK}` verdicts\n",
        f"`scripts/bench export`: {n:,} `{TASK}` items ({seeding['contexts']:,} contexts, each shared by two "
        f"items; context {seeding['context_bytes']} B and output {seeding['output_bytes']} B of JSON on average) "
        f"with a judgment, a routing decision and a final verdict ({seeding['human']:,} by a reviewer, the rest "
        f"auto-accepted; {seeding['qualified']:,} qualified), seeded with `INSERT … SELECT` in batches of "
        f"{BATCH:,} " + (f"in {seeding['seeding_s']:.1f} s ({n / seeding['seeding_s']:,.0f} items/s, the triggers of "
                         f"migration 0008 included)" if seeding["seeding_s"] else "(in an earlier `--keep` run)") +
        f", then VACUUM ANALYZE. Baseline in the same run: `psql \\copy (QUERY) to FILE`, "
        f"QUERY being the statement the export streams for the `verdicts` shape (from `app/src/db/export_source.rs`, its "
        f"parameters as literals: the task, as_of = now(), no filters; ordered by item id). Every row is the best "
        f"of {args.runs} runs, interleaved in rounds; peak RSS (wait4) is the largest of the runs; the export "
        f"process also hashes (sha256) and syncs its files, `\\copy` does neither; CPU s is the client process's "
        f"user + system time (psql's or cojudge's, not the Postgres backend's). \"vs `\\copy`\" is `\\copy`'s "
        f"time over the row's time (the same {n:,} verdicts are read; sft keeps qualified items only and "
        f"preference writes one row per chosen/rejected pair, so their rows differ).\n",
        "| path | rows | seconds | rows/s | vs `\\copy` | peak RSS | CPU s | file |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        shown = name.replace("psql \\copy", "`psql \\copy`").replace("cojudge export", "`cojudge export`")
        lines.append(f"| {shown} | {r['rows']:,} | {r['seconds']:.2f} | {r['rows'] / r['seconds']:,.0f} | "
                     f"{copy['seconds'] / r['seconds']:.2f} | {r['rss']:.0f} MB | {r['cpu']:.2f} | {mb(r['bytes'])} MB |")
    lines.append("")
    lines.append("Goals (issue 7):")
    lines.append("")
    for goal, value, met in goals:
        lines.append(f"- {goal}: {value} — {'met' if met else '**not met**'}.")
    lines.append("")
    with open(args.markdown, "a") as md:
        md.write("\n".join(lines))


if __name__ == "__main__":
    main()

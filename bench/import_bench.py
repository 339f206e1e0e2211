#!/usr/bin/env python3
"""Import benchmark: `cojudge import` and `POST /api/v1/items` against a `psql \\copy` baseline.

Generates N realistic `tag` items (~400 bytes each), loads the same rows with `psql \\copy` into
a plain table built `LIKE items INCLUDING ALL` plus its foreign key to `tasks` (same columns,
defaults, checks, indexes and foreign key; also without the foreign key, for reference), then
imports them with `cojudge import` into an empty database, and again over REST into another
empty database. Prints rates, ratios and the import process's peak RSS. Standard library only.

Usage: bench/import_bench.py [--items N] [--markdown FILE] [--json FILE]
"""
import argparse
import http.client
import os
import re
import subprocess
import sys
import time

from benchlib import (BIN, ROOT, WORK, destroy_cluster, figure, fresh_database, run, start_cluster, timed_child,
                      wait_for, write_json)

EXAMPLE = os.path.join(ROOT, "target/release/examples/bench_items")
RATIO_GOAL, RSS_GOAL_MB, REST_GOAL = 0.8, 200, 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--markdown", help="append a results section to this file")
    parser.add_argument("--json", help="write the headline figures to this file, for bench/summary.py")
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    jsonl, copy = os.path.join(WORK, "items.jsonl"), os.path.join(WORK, "items.copy")

    print(f"generating {args.items:,} tag items …", flush=True)
    run([EXAMPLE, str(args.items), jsonl, copy])
    size_mb = os.path.getsize(jsonl) / 1e6
    print(f"  {size_mb:.0f} MB of JSON Lines, {os.path.getsize(jsonl) / args.items:.0f} bytes per item")

    cluster = start_cluster("cluster")
    try:
        return bench(args, cluster, jsonl, copy, size_mb)
    finally:
        destroy_cluster("cluster")


def bench(args, cluster, jsonl, copy, size_mb):
    n = args.items
    # Baseline: psql \copy into a plain table equivalent to `items`: the same columns, defaults,
    # checks and indexes (LIKE … INCLUDING ALL) and the same foreign key to `tasks`, which LIKE
    # does not copy. For reference, also into the same table without the foreign key.
    base = fresh_database(cluster, "bench_copy")
    task_id = run(["psql", "-tA", base, "-c", "SELECT id FROM tasks WHERE name = 'tag'"]).strip()
    columns = "external_id, context, output, generator_model, generator_version, batch, content_hash, state"

    def copy_into(table, foreign_key):
        statements = [f"CREATE TABLE {table} (LIKE items INCLUDING ALL)",
                      f"ALTER TABLE {table} ALTER COLUMN task_id SET DEFAULT {task_id}"]
        if foreign_key:
            statements.append(f"ALTER TABLE {table} ADD FOREIGN KEY (task_id) REFERENCES tasks (id)")
        run(["psql", "-q", base] + [arg for sql in statements for arg in ("-c", sql)])
        start = time.monotonic()
        run(["psql", "-q", base, "-c", f"\\copy {table} ({columns}) FROM '{copy}'"])
        return time.monotonic() - start

    copy_s = copy_into("plain_items", foreign_key=True)
    copy_no_fk_s = copy_into("plain_items_no_fk", foreign_key=False)

    # cojudge import (CLI)
    cli_db = fresh_database(cluster, "bench_cli")
    env = {**os.environ, "DATABASE_URL": cli_db, "RUST_LOG": "warn"}
    cli_s, cli_rss, _, out = timed_child([BIN, "import", jsonl, "--task", "tag"], env)
    if f"{n} inserted" not in out:
        sys.exit(f"unexpected import result: {out}")

    # REST: the same file as one NDJSON body, into another empty database.
    rest_db = fresh_database(cluster, "bench_rest")
    env = {**os.environ, "DATABASE_URL": rest_db, "RUST_LOG": "warn"}
    token_out = run([BIN, "token", "create", "--name", "bench", "--role", "trainer"], env=env)
    token = re.search(r"cjt_[0-9A-Za-z]+", token_out).group(0)
    port = 3197
    server = subprocess.Popen([BIN, "serve", "--port", str(port), "--demo", "never", "--max-import-mb", "4096"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        start = time.monotonic()
        with open(jsonl, "rb") as body:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
            connection.request("POST", "/api/v1/items?task=tag", body=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson",
                "Content-Length": str(os.path.getsize(jsonl))})
            response = connection.getresponse()
            payload = response.read().decode()
        rest_s = time.monotonic() - start
        if response.status != 200 or f'"inserted":{n}' not in payload:
            sys.exit(f"REST import failed: {response.status} {payload[:500]}")
    finally:
        server.terminate()
        server.wait()

    rows = [
        ("psql \\copy into an equivalent plain table (baseline)", copy_s, None),
        ("psql \\copy into it without the foreign key (reference)", copy_no_fk_s, None),
        ("cojudge import (CLI)", cli_s, cli_rss),
        ("POST /api/v1/items (REST, one NDJSON body)", rest_s, None),
    ]
    print()
    print(f"{'path':55} {'seconds':>8} {'items/s':>10} {'vs copy':>8} {'peak RSS':>9}")
    for name, seconds, rss in rows:
        rss_text = f"{rss:.0f} MB" if rss else ""
        print(f"{name:55} {seconds:8.1f} {n / seconds:10,.0f} {copy_s / seconds:8.2f} {rss_text:>9}")
    print(f"\nCLI rate / \\copy rate = {copy_s / cli_s:.2f} (goal >= {RATIO_GOAL}); CLI peak RSS {cli_rss:.0f} MB "
          f"(goal < {RSS_GOAL_MB} MB); REST time / CLI time = {rest_s / cli_s:.2f} (goal <= {REST_GOAL})")
    write_json(args.json, "import", f"{n:,} `tag` items ({size_mb:.0f} MB JSON Lines)", [
        figure("`cojudge import` (CLI) rate", n / cli_s, "items/s", n / copy_s, "`psql \\copy` into an equivalent table",
               copy_s / cli_s, f"≥ {RATIO_GOAL}×", copy_s / cli_s >= RATIO_GOAL),
        figure("`cojudge import` peak RSS", cli_rss, "MB", goal=f"< {RSS_GOAL_MB} MB", met=cli_rss < RSS_GOAL_MB),
        figure("`POST /api/v1/items` (REST) time", rest_s, "s", cli_s, "`cojudge import` (CLI)",
               rest_s / cli_s, f"≤ {REST_GOAL}×", rest_s / cli_s <= REST_GOAL),
    ])
    if args.markdown:
        with open(args.markdown, "a") as md:
            md.write(f"\n### Import of {n:,} `tag` items ({size_mb:.0f} MB JSON Lines)\n\n")
            md.write("| path | seconds | items/s | rate vs `\\copy` | peak RSS |\n|---|---:|---:|---:|---:|\n")
            for name, seconds, rss in rows:
                md.write(f"| {name} | {seconds:.1f} | {n / seconds:,.0f} | {copy_s / seconds:.2f} | {f'{rss:.0f} MB' if rss else ''} |\n")
            md.write(f"\nREST time / CLI time: {rest_s / cli_s:.2f}.\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Review page latency in Chromium: from the Enter keypress that submits an answer to the next
item on screen, measured inside the page (see review_latency.mjs), over a few hundred answers on a
served app with demo items routed to humans. Standard library only (plus Node and the end2end
Playwright install).

Usage: bench/review_latency.py [--answers 300] [--markdown FILE] [--json FILE]
"""
import argparse
import json
import os
import subprocess
import time

from benchlib import BIN, ROOT, WORK, destroy_cluster, figure, fresh_database, run, start_cluster, wait_for, write_json

CLUSTER = "latency-cluster"
PORT = 3187
EMAIL, PASSWORD = "latency@example.org", "latency-bench-password"
P95_GOAL_MS = 100

LABEL_STUDIO = ("Label Studio, measured on this machine (from the issue): p50 176 ms to serve the "
                "next task and 120 ms to save an annotation, 3 items/s at best.")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--markdown")
    parser.add_argument("--json", help="write the headline figures to this file, for bench/summary.py")
    args = parser.parse_args()
    cluster = start_cluster(CLUSTER)
    server = None
    try:
        url = fresh_database(cluster, "latency")
        env = {**os.environ, "DATABASE_URL": url, "RUST_LOG": "warn", "COJUDGE_EMBEDDED_WORKER": "true"}
        env.pop("OPENAI_BASE_URL", None)
        run([BIN, "demo", "--per-task", str(args.answers + 20)], env=env)
        subprocess.run([BIN, "user", "add", "--email", EMAIL, "--role", "annotator", "--password-stdin"],
                       input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
        log = open(os.path.join(WORK, "latency-serve.log"), "w")
        # No judge endpoint: the embedded worker routes every demo item to humans.
        server = subprocess.Popen([BIN, "serve", "--port", str(PORT), "--demo", "never"],
                                  env=env, stdout=log, stderr=log, cwd=ROOT)
        wait_for(PORT)
        waiting = "SELECT count(*) FROM items WHERE state IN ('queued', 'judging')"
        for _ in range(600):
            if run(["psql", url, "-XAtc", waiting]).strip() == "0":
                break
            time.sleep(0.1)
        out = run(["node", os.path.join(ROOT, "bench/review_latency.mjs"), f"http://127.0.0.1:{PORT}",
                   EMAIL, PASSWORD, "tag", str(args.answers)])
        result = json.loads(out.strip().splitlines()[-1])
    finally:
        if server:
            server.terminate()
            server.wait()
        destroy_cluster(CLUSTER)
    line = (f"keypress → next item on screen over {result['answers']} answers ({result['measured']} measured): "
            f"p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, max {result['max']:.1f} ms")
    print(line)
    write_json(args.json, "review", f"{result['answers']} answers in Chromium, `tag` task", [
        figure("keypress → next item on screen, p50", result["p50"], "ms"),
        figure("keypress → next item on screen, p95", result["p95"], "ms",
               goal=f"≤ {P95_GOAL_MS} ms", met=result["p95"] <= P95_GOAL_MS),
    ])
    if args.markdown:
        with open(args.markdown, "a") as out:
            out.write("\n### Review page in Chromium (`tag` task, keyboard only)\n\n")
            out.write(f"- {line}. Goal: p95 ≤ {P95_GOAL_MS} ms on localhost.\n")
            out.write("- Measured inside the page: `performance.now()` at the Enter keydown to the first animation "
                      "frame after the next item is in the DOM; 300 ms think time between answers (time to read, "
                      "which also lets the prefetch of the following item land).\n")
            out.write(f"- {LABEL_STUDIO}\n")


if __name__ == "__main__":
    main()

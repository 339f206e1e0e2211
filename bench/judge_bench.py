#!/usr/bin/env python3
"""Judge worker benchmark: throughput against a fake OpenAI-compatible endpoint with a fixed
latency, as a ratio to the bound (in-flight ÷ latency), and the worker's CPU per judgment.

For each concurrency, a fresh database gets N queued `tag` items (imported with `cojudge
import`), then one `cojudge worker --exit-when-empty` judges them all. The rate is measured
between the first and the last judgment's commit time, so process start and the final idle
check do not count. Standard library only.

Usage: bench/judge_bench.py [--latency-ms 200] [--concurrency 64 256] [--seconds 20] [--markdown FILE]
                             [--json FILE]
"""
import argparse
import os
import subprocess
import sys
import time

from benchlib import BIN, ROOT, WORK, destroy_cluster, figure, fresh_database, run, start_cluster, timed_child, write_json

FAKE = os.path.join(ROOT, "target/release/fake-openai")
EXAMPLE = os.path.join(ROOT, "target/release/examples/bench_items")
RATIO_GOAL = 0.9


def start_fake(latency_ms):
    out = os.path.join(WORK, "fake-openai.out")
    process = subprocess.Popen([FAKE, "--port", "0", "--latency-ms", str(latency_ms)],
                               stdout=open(out, "w"), stderr=subprocess.DEVNULL)
    for _ in range(100):
        text = open(out).read()
        if "http://" in text:
            return process, text.split()[-1]
        time.sleep(0.1)
    sys.exit("the fake endpoint did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--seconds", type=float, default=20, help="ideal run length per concurrency")
    parser.add_argument("--markdown", help="append a results section to this file")
    parser.add_argument("--json", help="write the headline figures to this file, for bench/summary.py")
    args = parser.parse_args()
    cluster = start_cluster("judge-cluster")
    fake, endpoint = start_fake(args.latency_ms)
    try:
        rows = [bench(cluster, endpoint, c, args) for c in args.concurrency]
    finally:
        fake.terminate()
        fake.wait()
        destroy_cluster("judge-cluster")
    print()
    print(f"{'in flight':>9} {'items':>7} {'items/s':>9} {'bound/s':>8} {'ratio':>6} {'CPU ms/judgment':>16}")
    for c, n, rate, bound, cpu_ms in rows:
        print(f"{c:9} {n:7} {rate:9.1f} {bound:8.0f} {rate / bound:6.2f} {cpu_ms:16.2f}")
    figures = []
    for c, n, rate, bound, cpu_ms in rows:
        figures.append(figure(f"judgments/s at {c} in flight", rate, "judgments/s", bound, "bound: in flight ÷ latency",
                              rate / bound, f"≥ {RATIO_GOAL}×", rate / bound >= RATIO_GOAL))
        figures.append(figure(f"worker CPU per judgment at {c} in flight", cpu_ms, "ms"))
    write_json(args.json, "judge", f"fake endpoint, {args.latency_ms} ms latency", figures)
    if args.markdown:
        with open(args.markdown, "a") as md:
            md.write(f"\n### Judge worker against a fake endpoint with {args.latency_ms} ms latency\n\n")
            md.write("| in flight | items | judgments/s | bound (in-flight ÷ latency) | ratio | worker CPU per judgment |\n"
                     "|---:|---:|---:|---:|---:|---:|\n")
            for c, n, rate, bound, cpu_ms in rows:
                md.write(f"| {c} | {n:,} | {rate:,.1f} | {bound:,.0f} | {rate / bound:.2f} | {cpu_ms:.2f} ms |\n")


def bench(cluster, endpoint, concurrency, args):
    bound = concurrency / (args.latency_ms / 1000)
    n = int(bound * args.seconds)
    print(f"{concurrency} in flight: judging {n:,} items (bound {bound:.0f}/s) …", flush=True)
    jsonl, copy = os.path.join(WORK, f"judge-{n}.jsonl"), os.path.join(WORK, f"judge-{n}.copy")
    run([EXAMPLE, str(n), jsonl, copy])
    db = fresh_database(cluster, f"bench_judge_{concurrency}")
    env = {**os.environ, "DATABASE_URL": db, "RUST_LOG": "warn", "OPENAI_BASE_URL": endpoint,
           "COJUDGE_JUDGE_MODEL": "fake-judge"}
    run([BIN, "import", jsonl, "--task", "tag"], env=env)
    _, _, cpu, _ = timed_child([BIN, "worker", "--exit-when-empty", "--judge-concurrency", str(concurrency),
                                "--db-max-connections", "16"], env, name=f"worker-{concurrency}")
    judged, span = run(["psql", "-tA", "-F", " ", db, "-c",
                        "SELECT count(*), extract(epoch FROM max(created_at) - min(created_at)) FROM judgments"]).split()
    judged, span = int(judged), float(span)
    if judged != n:
        sys.exit(f"expected {n} judgments, found {judged}")
    rate = (judged - 1) / span
    return concurrency, n, rate, bound, cpu / judged * 1000


if __name__ == "__main__":
    main()

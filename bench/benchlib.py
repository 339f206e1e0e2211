"""Shared helpers of the benchmark drivers: running commands, timing a child process with its
peak RSS and CPU time, making fresh databases on the benchmark cluster, and waiting for a served
app; writing a driver's figures as JSON. Standard library only."""
import http.client
import json
import math
import os
import signal
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/cojudge")
WORK = os.path.join(ROOT, "target/bench")

MAIN_PID = os.getpid()


def _on_sigterm(*_):
    """A driver stopped with SIGTERM unwinds as on Ctrl-C, so its `finally` blocks stop the servers
    and destroy the throwaway clusters it started; a forked helper (client process, pool worker)
    just exits, as it would by default."""
    if os.getpid() != MAIN_PID:
        os._exit(143)
    sys.exit(143)


signal.signal(signal.SIGTERM, _on_sigterm)


def run(args, env=None, capture=True):
    result = subprocess.run(args, env=env, capture_output=capture, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def timed_child(args, env, name="child"):
    """Runs a command; returns (seconds, peak RSS in MB, CPU seconds, stdout). Output goes to
    files, so a chatty child never blocks on a full pipe."""
    out_path, err_path = os.path.join(WORK, f"{name}.out"), os.path.join(WORK, f"{name}.err")
    with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
        start = time.monotonic()
        process = subprocess.Popen(args, env=env, stdout=out_file, stderr=err_file)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - start
    out, err = open(out_path).read(), open(err_path).read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(args)}\n{out}\n{err}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, out


def database_url(cluster_url, name):
    parts = urllib.parse.urlsplit(cluster_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def start_cluster(name):
    """A throwaway local Postgres in target/bench/NAME; returns its URL."""
    os.makedirs(WORK, exist_ok=True)
    data_dir = os.path.join(WORK, name)
    run([BIN, "db", "destroy", "--data-dir", data_dir])
    return run([BIN, "db", "start", "--data-dir", data_dir]).strip()


def destroy_cluster(name):
    run([BIN, "db", "destroy", "--data-dir", os.path.join(WORK, name)])


def fresh_database(cluster, name):
    admin = database_url(cluster, "postgres")
    run(["psql", "-q", admin, "-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}"])
    url = database_url(cluster, name)
    run([BIN, "migrate"], env={**os.environ, "DATABASE_URL": url})
    return url


def wait_for(port):
    """Waits until `cojudge serve` answers /healthz on PORT."""
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not start")


# A figure of the machine-readable result every driver writes with --json (rendered into the
# summary of BENCHMARKS.md by bench/summary.py).
def figure(name, value, unit, baseline=None, baseline_is=None, ratio=None, goal=None, met=None):
    """One measured figure: its value, the baseline measured in the same run (if any, in the same
    unit) and their ratio (the driver's own, else value ÷ baseline), the goal it is held to (text)
    and whether it was met (None when there is no goal)."""
    if ratio is None and baseline:
        ratio = value / baseline
    return {"figure": name, "value": value, "unit": unit, "baseline": baseline, "baseline_is": baseline_is,
            "ratio": ratio, "goal": goal, "met": met}


def write_json(path, benchmark, scale, figures):
    """Writes a driver's figures to PATH (nothing when PATH is None)."""
    if not path:
        return
    for entry in figures:  # a percentile of no samples is NaN, which JSON has no word for
        for key in ("value", "baseline", "ratio"):
            if isinstance(entry[key], float) and not math.isfinite(entry[key]):
                entry[key] = None
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as out:
        json.dump({"benchmark": benchmark, "scale": scale, "figures": figures}, out, indent=1, ensure_ascii=False)
        out.write("\n")

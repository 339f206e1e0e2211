"""Shared helpers of the benchmark drivers: running commands, timing a child process with its
peak RSS and CPU time, making fresh databases on the benchmark cluster, and waiting for a served
app. Standard library only."""
import http.client
import os
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/cojudge")
WORK = os.path.join(ROOT, "target/bench")


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

#!/usr/bin/env python3
"""The machine a benchmark runs on, as BENCHMARKS.md records it: cores, RAM, CPU model, the
PostgreSQL the throwaway clusters run (the `pg_ctl` on the PATH, else Debian's newest) and the
kernel. Standard library only.

Usage: bench/machine.py    prints the machine part of a run's heading in BENCHMARKS.md,
                           e.g. "2 cores, 23 GiB, AMD EPYC, PostgreSQL 15.18"
"""
import glob
import os
import platform
import shutil
import subprocess


def machine():
    """{cores, ram_gib, cpu, postgres, kernel}; "?" for what cannot be read."""
    return {"cores": len(os.sched_getaffinity(0)), "ram_gib": ram_gib(), "cpu": cpu_model(),
            "postgres": postgres_version(), "kernel": f"{platform.system()} {platform.release()}"}


def heading(m):
    """The machine as the headings of BENCHMARKS.md have always shown it."""
    return f"{m['cores']} cores, {m['ram_gib']} GiB, {m['cpu']}, PostgreSQL {m['postgres']}"


def ram_gib():
    """Total memory in whole GiB, rounded down (as `free -g` shows it)."""
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024 ** 2
    return "?"


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    try:  # e.g. ARM, whose /proc/cpuinfo names no model
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name:"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return "?"


def postgres_version():
    """The version `pg_ctl --version` prints ("pg_ctl (PostgreSQL) 15.18 (Debian …)" → 15.18)."""
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    try:
        out = subprocess.run([shutil.which("pg_ctl") or installed[-1], "--version"],
                             capture_output=True, text=True, check=True).stdout
        return out.split()[2]
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        return "?"


if __name__ == "__main__":
    print(heading(machine()))

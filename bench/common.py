"""Stdlib-only helpers shared by every benchmark (also imported from the vn.py environment)."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values (0.0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def host_speed_ms(rounds: int = 5) -> float:
    """Return the median time of a fixed pure-Python workload, in ms: how fast this shared host is right now.

    The same code's figures move with it (the VM's host is shared), so each record carries it:
    lower is faster.
    """
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        table: dict[int, int] = {}
        for index in range(60_000):
            table[index & 1023] = table.get(index & 1023, 0) + index
        times.append(time.perf_counter() - start)
    return round(sorted(times)[len(times) // 2] * 1000, 2)


def cpu_seconds() -> float:
    """Return user + system CPU seconds this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def steal_seconds() -> float | None:
    """Return the CPU time the hypervisor has taken from this VM's CPUs so far (all CPUs), or None off Linux.

    A VM's vCPU that is not scheduled on the host stalls whatever runs on it; the run's steal says
    how much of a stall no code in the process could have avoided.
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (ru_maxrss is in KB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    """Return this process's current resident set size in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def machine() -> dict[str, object]:
    """Describe the machine the figures come from."""
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version()}


def emit(record: dict[str, object]) -> None:
    """Print one figure set as one JSON line and flush it (a driver reads it from a pipe)."""
    print(json.dumps(record, separators=(", ", ": ")), flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def parse_lines(text: str) -> list[dict[str, object]]:
    """Return the JSON figure lines found in a child's stdout (other lines are ignored)."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and '"bench"' in line:
            records.append(json.loads(line))
    return records


def now() -> float:
    """Monotonic seconds, comparable across processes on Linux (CLOCK_MONOTONIC)."""
    return time.perf_counter()


def python_for_vnpy() -> Path | None:
    """Return .venv-bench's python if the vn.py reference environment exists."""
    candidate = REPO / ".venv-bench" / "bin" / "python"
    return candidate if candidate.exists() else None


def stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)

"""A short run of the held protective orders' crash points: killed with SIGKILL around a held stop, restarted,
the stop goes out exactly once (the position ends flat: never short, never still long)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.common import REPO, parse_lines


@pytest.mark.slow
def test_a_held_stop_is_sent_exactly_once_across_a_kill_at_every_point() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "bench.held_crash_points", "--runs", "2", "--seed", "7"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    (record,) = parse_lines(result.stdout)
    points = record["points"]
    assert isinstance(points, dict) and len(points) == 4
    for point, figures in points.items():
        assert figures["killed"] == 2, (point, figures)  # the child really died at the point
        assert figures["exactly_once_pct"] == 100.0, (point, figures)
    assert result.returncode == 0, result.stderr[-3000:]

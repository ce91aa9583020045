"""A short run of the OCO and OTO crash points: killed with SIGKILL at every step of placing and triggering a pair,
restarted; no leg went out twice, none was lost, and a filled leg's sibling is cancelled at the broker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.common import REPO, parse_lines
from bench.linked_crash_points import POINTS


@pytest.mark.slow
def test_an_oco_or_oto_pair_is_placed_and_triggered_exactly_once_across_a_kill_at_every_point() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "bench.linked_crash_points", "--runs", "2", "--seed", "11"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    (record,) = parse_lines(result.stdout)
    points = record["points"]
    assert isinstance(points, dict) and sorted(points) == sorted(POINTS)
    for point, figures in points.items():
        assert figures["killed"] == 2, (point, figures)  # the child really died at the point
        assert figures["exactly_once_pct"] == 100.0, (point, figures)
    assert result.returncode == 0, result.stderr[-3000:]

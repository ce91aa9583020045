"""The broker contract and the ticker cases against the Kite simulator, in a child process.

KiteTicker runs on Twisted's global reactor, which cannot be restarted in a process; the cases in
kite_ticker_cases.py therefore run once in their own pytest process, and each class is reported here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = "tests/adapters/kite_ticker_cases.py"
EXPECTED = {"TestKiteContract": 9, "TestKiteTicker": 6, "TestKiteTwoExchanges": 1}


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    output: str
    results: dict[str, dict[str, str]]  # class -> test name -> "passed" | failure text


@pytest.fixture(scope="module")
def child_run(tmp_path_factory: pytest.TempPathFactory) -> ChildRun:
    report = tmp_path_factory.mktemp("kite") / "junit.xml"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", CASES, "-q", "-p", "no:cacheprovider", "-o", "faulthandler_timeout=30",
         f"--junitxml={report}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False,
    )
    results: dict[str, dict[str, str]] = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            cls = case.get("classname", "").rsplit(".", 1)[-1]
            problems = [child.get("message", "") + "\n" + (child.text or "") for child in case
                        if child.tag in ("failure", "error", "skipped")]
            results.setdefault(cls, {})[case.get("name", "")] = problems[0] if problems else "passed"
    return ChildRun(proc.returncode, proc.stdout[-6000:] + proc.stderr[-3000:], results)


@pytest.mark.parametrize("cls", sorted(EXPECTED))
def test_child_cases_pass(child_run: ChildRun, cls: str) -> None:
    cases = child_run.results.get(cls, {})
    assert len(cases) == EXPECTED[cls], f"expected {EXPECTED[cls]} {cls} cases, got {len(cases)}:\n{child_run.output}"
    failed = {name: text for name, text in cases.items() if text != "passed"}
    assert not failed, "\n\n".join(f"{name}: {text}" for name, text in failed.items())


def test_child_process_exits_cleanly(child_run: ChildRun) -> None:
    assert child_run.returncode == 0, child_run.output

"""On a bare X server (Xvfb, no window manager) the toolbar's hotkeys work from the start and after a dialog.

Needs Xvfb and xdotool (apt-get install xvfb xdotool); without them the test is skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOG = Path("logs") / "tradeterm.log"


def _free_display() -> int:
    for number in range(150, 250):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number from :150 to :249")


def _wait(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def bare_x() -> Iterator[dict[str, str]]:
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.skip("Xvfb and xdotool are not installed")
    number = _free_display()
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), "Xvfb to listen", 10)
        env = {**os.environ, "DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
        yield env
    finally:
        server.terminate()
        server.wait(10)


def _key(env: dict[str, str], keys: str) -> None:
    subprocess.run(["xdotool", "key", keys], env=env, check=True, timeout=10)
    time.sleep(0.5)


@pytest.mark.slow
def test_kill_switch_and_resume_hotkeys_work_without_a_window_manager(bare_x: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / LOG
    app = subprocess.Popen([sys.executable, "-m", "gui.app", "--data-dir", str(tmp_path), "--api-port", "0"],
                           env=bare_x, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: log.exists() and "PAPER-1: active" in log.read_text(), "the paper account to trade", 90)
        time.sleep(1)
        _key(bare_x, "ctrl+shift+k")  # before the fix: nothing, the keyboard went to no window
        _key(bare_x, "Return")  # the kill switch's confirm: Yes is its default
        _wait(lambda: "Kill switch: all trading halted" in log.read_text(), "the kill switch", 30)
        _key(bare_x, "ctrl+shift+u")  # after a dialog closed: the keyboard is the window's again
        _key(bare_x, "alt+y")
        _wait(lambda: "Resume (" in log.read_text(), "the resume", 30)
    finally:
        app.terminate()
        app.wait(20)

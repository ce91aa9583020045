"""Ctrl+C in the terminal (`make run`) and SIGTERM (a logout, `kill`) close TradeTerm cleanly, books saved.

Before, Ctrl+C printed a KeyboardInterrupt traceback from a Qt callback and left the window open, and SIGTERM
ended the process before the paper account saved its session (its volume restarted at the next start).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.window_helpers import write_paper_settings

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_closes_the_window_cleanly_and_the_paper_session_is_saved(tmp_path: Path, number: int) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)
    err = tmp_path / "stderr.txt"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "core.storage.memory_keyring.MemoryKeyring"}
    with err.open("w") as stderr:
        app = subprocess.Popen([sys.executable, "-m", "gui.app", "--data-dir", str(tmp_path)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while "PAPER-1: active" not in err.read_text(errors="replace"):
                assert app.poll() is None and time.monotonic() < deadline, err.read_text(errors="replace")
                time.sleep(0.1)
            state = tmp_path / "paper" / "PAPER-1.json"
            signalled_ns = time.time_ns()
            app.send_signal(number)
            code = app.wait(timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
    said = err.read_text(errors="replace")
    assert code == 0, said
    assert "KeyboardInterrupt" not in said and "Traceback" not in said
    assert f"{signal.Signals(number).name} received: closing TradeTerm" in said
    assert state.stat().st_mtime_ns >= signalled_ns, "the paper session (its volume, its books) saved at the close"
    assert set(json.loads(state.read_text())["volumes"]) >= {"AAPL", "MSFT"}

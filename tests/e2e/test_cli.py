"""The `tradeterm` command as a trader or CI runs it: a screenshot, and refusals of unusable files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

TRADETERM = Path(sys.executable).with_name("tradeterm")


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(TRADETERM), *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.slow
def test_screenshot_saves_a_png_of_the_live_window_and_exits_0(tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "window.png"
    result = run("--data-dir", str(tmp_path / "data"), "--screenshot", str(shot), "--after", "1")
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 1200 and image.height() >= 700
    colors = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colors) > 20, "the window has content, not a blank frame"


def test_a_corrupt_journal_is_refused_by_name_and_left_untouched(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    journal.write_bytes(b"this is not a database" * 100)
    before = journal.read_bytes()
    result = run("--data-dir", str(tmp_path), "--screenshot", str(tmp_path / "s.png"), "--after", "0")
    assert result.returncode == 2
    assert str(journal) in result.stderr
    assert journal.read_bytes() == before
    assert not (tmp_path / "s.png").exists()


def test_a_journal_from_a_newer_tradeterm_is_refused_and_left_untouched(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    run("--data-dir", str(tmp_path), "--screenshot", str(tmp_path / "first.png"), "--after", "0")
    with sqlite3.connect(journal) as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = journal.read_bytes()
    result = run("--data-dir", str(tmp_path), "--screenshot", str(tmp_path / "s.png"), "--after", "0")
    assert result.returncode == 2
    assert str(journal) in result.stderr and "newer" in result.stderr
    assert journal.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "says"),
    [("{ not json", "corrupt"), (json.dumps({"version": 99}), "newer"),
     (json.dumps({"version": 1, "theme": "Solarized"}), "'solarized' is not a theme: use \"light\" or \"dark\"")],
    ids=["corrupt", "newer-version", "unknown-theme"],
)
def test_an_unusable_settings_file_is_refused_by_name_and_left_untouched(
    tmp_path: Path, content: str, says: str
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(content)
    result = run("--data-dir", str(tmp_path), "--screenshot", str(tmp_path / "s.png"), "--after", "0")
    assert result.returncode == 2
    assert str(settings) in result.stderr and says in result.stderr.lower()
    assert settings.read_text() == content


@pytest.mark.slow
def test_the_window_opens_on_a_machine_without_a_keyring(tmp_path: Path) -> None:
    """A headless Linux has no OS keyring: paper trading works; only the strategy API stays off."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("TRADETERM_API_TOKEN", None)
    shot = tmp_path / "s.png"
    result = subprocess.run(
        [str(TRADETERM), "--data-dir", str(tmp_path / "data"), "--api-port", "0", "--screenshot", str(shot),
         "--after", "1"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert not QImage(str(shot)).isNull()

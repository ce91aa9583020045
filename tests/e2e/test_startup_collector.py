"""The garbage collector waits out the window's build and first paint, and only those: it runs again after the
first paint, after a start refused before it, and after a window shut without ever being painted."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from core.storage.settings import SettingsError
from gui.app import create_main_window
from tests.e2e.window_helpers import open_window, until, write_paper_settings


async def test_the_collector_runs_again_once_the_window_is_painted(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    assert gc.isenabled()
    async with open_window(tmp_path, active=False) as window:
        await until(window.isVisible, "the window shown")
        await until(gc.isenabled, "the collector on again after the first paint")
    assert gc.isenabled()


async def test_the_collector_runs_again_after_a_refused_start_and_after_a_window_never_painted(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    with pytest.raises(SettingsError):
        create_main_window(tmp_path, "paper")
    assert gc.isenabled(), "a refused start leaves the collector as it found it"

    window = create_main_window(tmp_path / "fresh", "paper", connect=False)
    assert not gc.isenabled(), "paused while the window waits for its first paint"
    await window.shutdown()
    assert gc.isenabled(), "a window shut before its first paint leaves the collector on"

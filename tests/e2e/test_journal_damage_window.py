"""A journal damaged at rest, unseen at open (it closed cleanly), is found after the first paint: the window halts
every account, says so across its top with what to do, and the next start refuses the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFrame, QLabel

from core.ports.journal import JournalError
from core.storage.journal_integrity import CORRUPT_WHAT_TO_DO
from gui.app import create_main_window
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until, write_paper_settings
from tests.unit.journal_files import history, wreck


def banner(window: MainWindow) -> QFrame:
    found = window.findChild(QFrame, "journalDamagedBanner")
    assert isinstance(found, QFrame)
    return found


async def test_damage_found_after_the_first_paint_halts_every_account_and_the_window_says_what_to_do(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    journal = tmp_path / "journal.sqlite"
    history(journal)
    damaged = wreck(journal)  # bit rot after a clean close: same size, same modification time

    async with open_window(tmp_path, active=False) as window:
        await until(lambda: banner(window).isVisible(), "the damaged-journal banner", timeout=30)
        text = banner(window).findChild(QLabel, "journalDamagedBanner.text").text()
        assert str(journal) in text and "is corrupt" in text and CORRUPT_WHAT_TO_DO in text
        assert window.menuWidget().isAncestorOf(banner(window)), "across the top of the window"
        await until(lambda: all(window.session.account(a).trading.value == "HALTED"
                                for a in window.session.account_ids()), "every account halted")
    assert journal.read_bytes() == damaged, "nothing more was written to the file"
    with pytest.raises(JournalError, match="corrupt"):  # the next start refuses it at open, saying what to do
        create_main_window(tmp_path, "paper")

"""The status bar's global 'Trading:' indicator never shows a bare green ACTIVE while an account is halted."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from core.domain import AccountId, TradingState
from gui.widgets.trading_state import COLORS, WARNING
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


async def test_a_halted_account_shows_in_the_global_indicator_in_the_warning_colour(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        label = window.findChild(QLabel, "status.tradingState")
        await until(lambda: "halted" not in label.text(), "a plain ACTIVE while every account trades")
        assert "ACTIVE" in label.text() and COLORS[TradingState.ACTIVE] in label.text()

        await window.session.disconnect(ACCOUNT)
        await until(lambda: "1 account halted" in label.text(), "the indicator to count the halted account")
        assert "ACTIVE" in label.text() and WARNING in label.text()
        assert COLORS[TradingState.ACTIVE] not in label.text(), "no green while an account cannot trade"
        assert label.toolTip().startswith("PAPER-1: halted — "), label.toolTip()

        await window.session.connect(ACCOUNT)
        await until(lambda: "halted" not in label.text(), "the count to go once the account trades again")
        assert COLORS[TradingState.ACTIVE] in label.text()

"""The Funds grid shows large cash figures whole: its columns widen to their content when the figures come in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QTableView

from core.storage.settings import AccountSettings, SettingsStore
from tests.e2e.window_helpers import model_of, open_window, until

MONEY = ("cash", "equity", "buying_power")


def cut_figures(table: QTableView, row: int) -> dict[str, str]:
    """Return the cells of row whose text is wider than its column (the delegate elides them: '12,345,6…')."""
    model, header, metrics = model_of(table), table.horizontalHeader(), table.fontMetrics()
    cut = {}
    for key in MONEY:
        column = [c.key for c in model.columns].index(key)
        text = str(model.index(row, column).data())
        if metrics.horizontalAdvance(text) + 8 > header.sectionSize(column):
            cut[key] = text
    return cut


async def test_a_large_cash_figure_is_shown_whole_at_the_default_window_size(tmp_path: Path) -> None:
    SettingsStore(tmp_path / "settings.json").set_accounts([
        AccountSettings("PAPER-1", "paper", {"state_path": str(tmp_path / "paper" / "PAPER-1.json"),
                                              "tick_interval_s": 60,
                                              "starting_cash": {"USD": "12345678901.25", "CNY": "1000"}}),
    ])
    async with open_window(tmp_path) as window:
        table = window.findChild(QTableView, "fundsPanel.table")
        model = model_of(table)
        await until(lambda: model.row_of(("PAPER-1", "USD")) is not None
                    and "12,345,678,901.25" in str(model.index(model.row_of(("PAPER-1", "USD")), 4).data()),
                    "the large USD cash in the Funds grid")
        row = model.row_of(("PAPER-1", "USD"))
        await until(lambda: not cut_figures(table, row), f"the figures whole, not {cut_figures(table, row)}")

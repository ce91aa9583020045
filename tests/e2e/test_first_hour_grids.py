"""At the default window size a new trader reads a position's P&L and an account's cash without scrolling."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDockWidget, QTableView, QWidget

from core.domain import AccountId, OrderRequest, OrderType, Side
from core.storage.settings import AccountSettings, SettingsStore
from gui.widgets.grid_view import widest_fit
from tests.e2e.window_helpers import model_of, open_window, until, until_row, write_paper_settings


def out_of_view(table: QTableView, keys: tuple[str, ...]) -> list[str]:
    """Return the columns among keys that are hidden or reach past the grid's right edge (behind a scroll)."""
    model, header = model_of(table), table.horizontalHeader()
    width = table.viewport().width()
    cut = []
    for key in keys:
        column = [c.key for c in model.columns].index(key)
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        if header.isSectionHidden(column) or header.sectionViewportPosition(column) < 0 or right > width:
            cut.append(key)
    return cut


async def test_the_position_grid_shows_pnl_and_the_funds_grid_shows_cash_without_a_scroll(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await window.session.submit(OrderRequest(AccountId("PAPER-1"), "AAPL", Side.BUY, Decimal(100),
                                                 OrderType.MARKET))
        positions = window.findChild(QTableView, "positionsView")
        await until_row(positions, (AccountId("PAPER-1"), "AAPL"))
        assert out_of_view(positions, ("symbol", "account", "quantity", "avg_cost", "unrealized", "daily_pnl")) == []
        funds = window.findChild(QTableView, "fundsPanel.table")
        await until(lambda: model_of(funds).row_of(("PAPER-1", "USD")) is not None, "PAPER-1's USD funds")
        window.findChild(QDockWidget, "dock.funds").raise_()
        await until(lambda: funds.isVisible() and not funds.visibleRegion().isEmpty(), "the Funds tab in view")
        await until(lambda: out_of_view(funds, ("account", "currency", "cash")) == [],
                    f"the cash in view, not {out_of_view(funds, ('account', 'currency', 'cash'))}")


async def test_a_long_account_id_does_not_push_the_pnl_out_of_view(tmp_path: Path) -> None:
    """An OANDA account id is 34 characters; under Xvfb its column took the positions grid's whole width."""
    long_id = AccountId("OANDA-practice-101-004-1234567-001")
    SettingsStore(tmp_path / "settings.json").set_accounts([AccountSettings(
        str(long_id), "paper", {"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})])
    async with open_window(tmp_path) as window:
        await window.session.submit(OrderRequest(long_id, "AAPL", Side.BUY, Decimal(100), OrderType.MARKET))
        positions = window.findChild(QTableView, "positionsView")
        await until_row(positions, (long_id, "AAPL"))
        account = [c.key for c in model_of(positions).columns].index("account")
        await until(lambda: positions.horizontalHeader().sectionSize(account) == widest_fit(positions),
                    "the account column fitted to its long id, up to the limit")
        assert out_of_view(positions, ("symbol", "account", "quantity", "avg_cost", "unrealized", "daily_pnl")) == []


def wholly_in_view(widget: QWidget) -> bool:
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


@pytest.mark.parametrize(("dock", "names"), [
    ("dock.alerts", ("alerts.addMoveButton", "alerts.addPnlButton", "alerts.removeButton", "alerts.soundCheck")),
    ("dock.strategyApi", ("apiToken.nameEdit", "apiToken.createButton", "apiToken.copyButton")),
])
async def test_the_alerts_and_strategy_api_controls_are_in_view_at_the_default_window(
        tmp_path: Path, dock: str, names: tuple[str, ...]) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window.findChild(QDockWidget, dock).raise_()
        await until(lambda: all(wholly_in_view(window.findChild(QWidget, name)) for name in names),
                    f"{dock}'s controls in view, not behind a scroll: "
                    f"{[n for n in names if not wholly_in_view(window.findChild(QWidget, n))]}")

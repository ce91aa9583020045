"""GridColumnsSetup: each grid's column chooser, its default columns and widths, and where the choice is kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtWidgets import QTableView, QWidget

from gui.widgets.column_chooser import ColumnChooser, GridColumns

SETTINGS_KEY = "columns"
"""settings.json: {"columns": {"<view objectName>": {"order": [column keys], "hidden": [column keys]}}}."""

DEFAULTS: Mapping[str, GridColumns] = {
    # What a trader reads first leads; raw ids and second prices are one right-click away.
    # The account beside the symbol wherever an action follows the row (Cancel selected, Modify, Approve): two
    # AAPL orders on two accounts differ only there, and it was a scroll away. The type comes after the status
    # (the price cell already reads "stop → limit", "MKT", "(trail 0.50)"), the countdown after the risk verdict
    # and the market's hours. An entry's stop-loss and target held by TradeTerm are no order at the broker, so no
    # row: its Bracket cell names them ("SL 185.00 · TP 195.00 (held)"), or the entry looked unprotected.
    "ordersView": GridColumns(
        ("symbol", "account", "side", "quantity", "price", "status", "bracket", "type", "filled", "tif", "time",
         "reason", "limit", "stop", "id"),
        ("limit", "stop", "id")),
    "fillsView": GridColumns(
        ("time", "symbol", "side", "quantity", "price", "account", "commission", "order_id"), ("order_id",)),
    "approvalsView": GridColumns(
        ("symbol", "account", "side", "quantity", "price", "verdict", "market", "left", "type", "product", "strategy",
         "drift", "age", "tif", "bid", "ask", "signal", "attempt", "id"),
        ("bid", "ask", "signal", "attempt", "id")),
    # P&L beside the position, so the default window shows it without a scroll; the account beside the symbol:
    # with two accounts, two AAPL rows differ only there, and Close position acts on the row's account.
    "positionsView": GridColumns(
        ("symbol", "account", "quantity", "avg_cost", "unrealized", "daily_pnl", "last", "market_value", "realized",
         "currency", "protection"), ()),
    # The money first: the Funds tab is narrow, and its state and reason are shown in the Accounts dock too.
    "fundsPanel.table": GridColumns(
        ("account", "currency", "cash", "equity", "buying_power", "day_pnl", "unrealized", "realized", "utilisation",
         "margin_used", "margin_available", "state", "reason", "broker_day_pnl", "source", "as_of"), ()),
    "watchlistView": GridColumns(),
}

SAMPLES: Mapping[str, str] = {
    "side": "SELL", "tif": "GTC", "type": "STP_LMT", "quantity": "88,888", "filled": "88,888", "time": "88:88:88",
    "left": "888 s", "age": "888 s", "symbol": "RELIANCE", "account": "PAPER-1", "status": "Accepted",
    "price": "8,888.88", "limit": "8,888.88", "stop": "8,888.88", "verdict": "OK", "drift": "+0.00%",
    "currency": "USD", "state": "REDUCING", "bracket": "SL 888.88 · TP 888.88 (held)",
}
"""What a column typically holds, for its default width (the grid widens to its first rows once)."""

GRID_SAMPLES: Mapping[str, Mapping[str, str]] = {
    "fillsView": {"side": "SELL adj."},
    "ordersView": {"status": "Partially filled"},
    "watchlistView": {"feed": "auto: PAPER-1"},
}
"""A grid's own samples over SAMPLES: the fills grid's side may say an adoption's "SELL adj." (Fill.is_adjustment),
which a column sized for "SELL" and the first rows' BUY elided to "SE…j."; a working order's status may say
"Partially filled" or "Pending cancel", which a column sized for "Accepted" elided to "Partia…filled"; a watchlist row
on auto names the feed it shows, which the first rows' width elided to "auto…ER-1"."""


class ColumnSettings(Protocol):
    def load(self) -> dict[str, Any]: ...

    def save(self, document: Mapping[str, Any]) -> None: ...


class GridColumnsSetup:
    """Give every named grid in window a column chooser, restore the saved choice, save each change."""

    def __init__(self, window: QWidget, settings: ColumnSettings, report: Callable[[str], None]) -> None:
        self._settings = settings
        self._report = report
        saved = settings.load().get(SETTINGS_KEY, {})
        if not isinstance(saved, dict):
            report(f"settings.json: {SETTINGS_KEY}: expected an object of grid: columns; the default columns show")
            saved = {}
        self.choosers: dict[str, ColumnChooser] = {}
        for name, defaults in DEFAULTS.items():
            view = window.findChild(QTableView, name)
            if view is None:
                continue
            chooser = ColumnChooser(view, defaults, self._save, {**SAMPLES, **GRID_SAMPLES.get(name, {})})
            entry = saved.get(name)
            columns = GridColumns.from_json(entry) if entry is not None else None
            if entry is not None and columns is None:
                report(f"settings.json: {SETTINGS_KEY}.{name}: expected {{\"order\": [...], \"hidden\": [...]}}; "
                       "its default columns show")
            chooser.apply(columns)
            self.choosers[name] = chooser

    def _save(self, name: str, columns: GridColumns) -> None:
        try:
            document = self._settings.load()
            saved = document.get(SETTINGS_KEY)
            grids = dict(saved) if isinstance(saved, dict) else {}
            grids[name] = columns.to_json()
            self._settings.save({**document, SETTINGS_KEY: grids})
        except Exception as exc:  # a settings file that cannot be written must not break the grid
            self._report(f"Columns not saved: {exc}")

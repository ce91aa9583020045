"""PositionMenu: right-click a position for its close on the ticket, or to flatten it at market."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QMenu, QTableView

from core.domain import AccountId, Position
from gui.models.format import fmt_qty
from gui.models.table_model import RawRole
from gui.widgets.literal_text import literal


class PositionMenu:
    """The positions grid's context menu: "Close long 6 AAPL on ALPACA-PAPER on the ticket" (what a double-click
    does) and "Flatten AAPL on ALPACA-PAPER at market…" (its orders cancelled, the position closed, after a
    confirm). A flat row offers nothing."""

    def __init__(self, view: QTableView, close_on_ticket: Callable[[QModelIndex], None],
                 flatten: Callable[[AccountId, str], None]) -> None:
        self._view = view
        self._close_on_ticket = close_on_ticket
        self._flatten = flatten
        self.menu: QMenu | None = None
        """The menu last shown (for tests and screenshots)."""
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_requested)

    def build(self, index: QModelIndex) -> QMenu | None:
        """The menu for the row at index, or None when it holds no open position."""
        position = index.data(RawRole) if index.isValid() else None
        if not isinstance(position, Position) or position.is_flat:
            return None
        account, symbol = position.account_id, position.symbol
        side = "long" if position.quantity > 0 else "short"
        size = fmt_qty(abs(position.quantity))
        menu = QMenu(self._view)
        menu.setObjectName("positionMenu")
        close = menu.addAction(literal(f"Close {side} {size} {symbol} on {account} on the ticket"))
        close.setObjectName("positionMenu.close")
        close.triggered.connect(lambda: self._close_on_ticket(index))
        flatten = menu.addAction(literal(f"Flatten {symbol} on {account} at market…"))
        flatten.setObjectName("positionMenu.flatten")
        flatten.triggered.connect(lambda: self._flatten(account, symbol))
        return menu

    def _on_requested(self, point: QPoint) -> None:
        menu = self.build(self._view.indexAt(point))
        if menu is None:
            return
        self.menu = menu
        menu.popup(self._view.viewport().mapToGlobal(point))

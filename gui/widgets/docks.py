"""The main window's docks: the working-orders panel, how each dock is made, and where each sits by default."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

LEFT, BOTTOM = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
RIGHT, TOP = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.TopDockWidgetArea
BESIDE_ORDERS = frozenset({"dock.strategyApi", "dock.alerts"})
"""Bottom docks tabbed with the working orders (set-up panels the trader opens now and then); every other bottom
dock is tabbed with the fills. One group holding all seven squeezed their labels to "F…" at 1600x1000."""
RIGHT_COLUMN = (("dock.ladder", 2), ("dock.chart", 1))
"""The right column's docks top to bottom and their shares of its height (the ladder's levels stack up)."""


class OrdersPanel(QWidget):
    """The working-orders grid with its buttons. objectName 'ordersPanel'; children orders.<name>Button."""

    def __init__(self, orders_view: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ordersPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(orders_view)
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel selected")
        self.cancel_button.setObjectName("orders.cancelButton")
        self.cancel_all_button = QPushButton("Cancel all")
        self.cancel_all_button.setObjectName("orders.cancelAllButton")
        self.modify_button = QPushButton("Modify…")
        self.modify_button.setObjectName("orders.modifyButton")
        self.modify_button.setToolTip("Change the selected order's quantity or price (or double-click it)")
        self.record_fill_button = QPushButton("Record fill…")
        self.record_fill_button.setObjectName("orders.recordFillButton")
        self.record_fill_button.setToolTip("Record an execution the e-mail desk reported (desk orders only)")
        self.record_fill_button.setEnabled(False)
        for button in (self.modify_button, self.cancel_button, self.cancel_all_button, self.record_fill_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)


def scrolled(widget: QWidget) -> QScrollArea:
    """Return widget in a frameless scroll area that lets it shrink below its own minimum height."""
    area = QScrollArea(objectName=f"{widget.objectName() or 'panel'}.scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def make_dock(window: QMainWindow, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
    """Add a movable, floatable (not closable) dock named name holding widget to window's area."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
    )
    window.addDockWidget(area, dock)
    return dock


@dataclass(frozen=True, slots=True)
class MainDocks:
    """The six docks every main window has; the positions grid is the central widget."""

    watchlist: QDockWidget
    ticket: QDockWidget
    accounts: QDockWidget
    log: QDockWidget
    orders: QDockWidget
    fills: QDockWidget
    added: list[tuple[QDockWidget, Qt.DockWidgetArea]] = field(default_factory=list)
    """The docks added after these six (ladder, charts, approvals, P&L…), in the order they came."""

    @classmethod
    def build(cls, window: QMainWindow, positions: QWidget, watchlist: QWidget, ticket: QWidget, accounts: QWidget,
              log: QWidget, orders: QWidget, fills: QWidget) -> MainDocks:
        """Lay the docks out: watchlist and ticket left; orders (with accounts and log tabs) and fills below."""
        window.setCorner(Qt.Corner.BottomLeftCorner, LEFT)
        # The top area (the chart) is the centre column's, above the positions: the left and right columns
        # run the window's height.
        window.setCorner(Qt.Corner.TopLeftCorner, LEFT)
        window.setCorner(Qt.Corner.TopRightCorner, RIGHT)
        window.setCentralWidget(positions)
        docks = cls(
            watchlist=make_dock(window, "Watchlist", "dock.watchlist", watchlist, LEFT),
            ticket=make_dock(window, "Order ticket", "dock.ticket", ticket, LEFT),
            orders=make_dock(window, "Working orders", "dock.orders", orders, BOTTOM),
            fills=make_dock(window, "Fills", "dock.fills", fills, BOTTOM),
            # scrolled: the panel's row of buttons would otherwise set the width of the whole tab group
            accounts=make_dock(window, "Accounts", "dock.accounts", scrolled(accounts), BOTTOM),
            log=make_dock(window, "Log", "dock.log", log, BOTTOM),
        )
        window.splitDockWidget(docks.orders, docks.fills, Qt.Orientation.Horizontal)
        # Accounts and the log are tabs beside the working orders: in the left column they took the watchlist's
        # rows (three were left under a ticket with its Link row); each account's state is also in the status bar.
        window.tabifyDockWidget(docks.orders, docks.accounts)
        window.tabifyDockWidget(docks.accounts, docks.log)
        docks.orders.raise_()
        return docks

    def add(self, window: QMainWindow, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """Add another dock: tabbed with the fills or the working orders (bottom, see BESIDE_ORDERS), or under
        the ticket (left).

        A left tab scrolls rather than holding the whole tab group at its height: the Strategy API
        panel's 200 px otherwise left the watchlist two rows above the ticket.
        """
        if area is LEFT:
            widget = scrolled(widget)
        dock = make_dock(window, title, name, widget, area)
        self.added.append((dock, area))
        self._place(window, dock, area)
        return dock

    def _place(self, window: QMainWindow, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
        if area is BOTTOM:
            group = self.orders if dock.objectName() in BESIDE_ORDERS else self.fills
            window.tabifyDockWidget(group, dock)
            group.raise_()
        elif area is LEFT:
            window.splitDockWidget(self.ticket, dock, Qt.Orientation.Vertical)  # under the ticket, never over it

    def place_added(self, window: QMainWindow) -> None:
        """Put every added dock back where `add` put it, in the order they came (Reset layout: a layout saved or
        captured before a dock existed does not know where that dock goes)."""
        for dock, area in self.added:
            dock.setFloating(False)
            window.addDockWidget(area, dock, Qt.Orientation.Vertical)
            self._place(window, dock, area)

    def apply_default_sizes(self, window: QMainWindow) -> None:
        """Size the docks for window's size as the first start shows them."""
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        height = max(600, window.height())
        window.resizeDocks([self.watchlist], [560], horizontal)
        ticket = self.ticket.widget().minimumSizeHint().height() if self.ticket.widget() else 380
        window.resizeDocks([self.watchlist, self.ticket], [max(int(height * 0.3), height - ticket), ticket], vertical)
        window.resizeDocks([self.orders], [int(height * 0.3)], vertical)  # the right column (ladder, chart) is above it
        width = max(800, window.width() - 560)
        window.resizeDocks([self.orders, self.fills], [width // 2, width // 2], horizontal)
        top = [d for d, area in self.added if area is TOP and not d.isFloating() and window.dockWidgetArea(d) is TOP]
        if top:  # the chart over the positions: most of the centre column's height
            window.resizeDocks(top[:1], [int(height * 0.7 * 0.6)], vertical)
        split_right_column(window)


def split_right_column(window: QMainWindow) -> None:
    """Share the right column's height among its docks by RIGHT_COLUMN (they came in at Qt's even split)."""
    column = [d for name, _ in RIGHT_COLUMN if (d := window.findChild(QDockWidget, name)) is not None
              and window.dockWidgetArea(d) is RIGHT and not d.isFloating() and not d.isHidden()]
    if len(column) < 2:
        return
    shares = dict(RIGHT_COLUMN)
    height, total = sum(d.height() for d in column), sum(shares[d.objectName()] for d in column)
    window.resizeDocks(column, [height * shares[d.objectName()] // total for d in column], Qt.Orientation.Vertical)

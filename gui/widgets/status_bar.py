"""StatusBarView: the main window's status bar — what is running, the trading state, P&L, each account's state."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QStyle, QWidget

from core.domain import AccountId, BrokerPnl, ConnectionState, TradingState
from core.services.session_view import SessionView
from gui.models.format import fmt_signed
from gui.widgets.trading_state import TradingStateWidget

_TRADING_COLORS = {TradingState.ACTIVE: "#2e7d32", TradingState.REDUCING: "#b26a00", TradingState.HALTED: "#c62828"}


class StatusBarView:
    """Fill bar (objectName statusBar): status.busy, status.tradingState, status.pnl, status.account.<ID>."""

    def __init__(self, bar: QStatusBar, view: SessionView) -> None:
        self._bar = bar
        self._view = view
        bar.setObjectName("statusBar")
        self.busy_label = BusyLabel()
        self.busy_label.setObjectName("status.busy")
        bar.addWidget(self.busy_label, 1)
        self.trading_state_widget = TradingStateWidget()
        bar.addPermanentWidget(self.trading_state_widget)
        self.pnl_label = QLabel()
        self.pnl_label.setObjectName("status.pnl")
        bar.addPermanentWidget(self.pnl_label)
        self.account_labels: dict[AccountId, QLabel] = {}
        self._broker_pnl: dict[AccountId, BrokerPnl] = {}
        for account_id in view.account_ids():
            self.add_account(account_id)

    def add_account(self, account_id: AccountId) -> None:
        """Add account_id's label (once)."""
        if account_id in self.account_labels:
            return
        label = QLabel(objectName=f"status.account.{account_id}")
        self._bar.addPermanentWidget(label)
        self.account_labels[account_id] = label
        self.show_account(account_id)

    def remove_account(self, account_id: AccountId) -> None:
        """Drop a removed account's label."""
        label = self.account_labels.pop(account_id, None)
        if label is not None:
            self._bar.removeWidget(label)
            label.deleteLater()
        self._broker_pnl.pop(account_id, None)
        self._show_held()

    def show_account(self, account_id: AccountId) -> None:
        """Show account_id's connection and trading state (and the broker's day P&L when it reports one)."""
        label = self.account_labels.get(account_id)
        if label is None:
            return
        status = self._view.status(account_id)
        pnl = self._broker_pnl.get(account_id)
        broker = ""
        if pnl is not None and pnl.daily is not None:
            broker = f" · broker day {fmt_signed(pnl.daily)}"
        label.setText(f"{account_id}: {status.connection.value.lower()} · "
                      f"<span style='color:{_TRADING_COLORS[status.trading]}'>{status.trading.value.lower()}</span>"
                      f"{broker}")
        label.setToolTip(status.reason)
        self._show_held()

    def _show_held(self) -> None:
        """Tell the global indicator each account's state, so it never shows a bare ACTIVE over a held account."""
        states = {}
        for account_id in self.account_labels:
            try:
                status = self._view.status(account_id)
            except KeyError:  # removed from the session, its label not yet
                continue
            states[account_id] = (status.trading, status.reason)
        self.trading_state_widget.set_accounts(states)

    def on_connection_changed(self, account_id: AccountId, _state: ConnectionState, _message: str) -> None:
        self.show_account(account_id)

    def on_broker_pnl(self, account_id: AccountId, pnl: BrokerPnl) -> None:
        self._broker_pnl[account_id] = pnl
        self.show_account(account_id)

    def on_busy(self, label: str, on: bool) -> None:
        self.busy_label.setText(f"{label}…" if on else "")

    def show_pnl(self) -> None:
        """Show the P&L totals of every account, per currency."""
        parts = []
        for currency, totals in self._view.pnl_totals().items():
            daily = fmt_signed(totals.daily) if totals.daily is not None else "—"
            unreal = fmt_signed(totals.unrealized) if totals.unrealized is not None else "—"
            parts.append(f"{currency}  day {daily}  unreal {unreal}  real {fmt_signed(totals.realized)}")
        self.pnl_label.setText("   |   ".join(parts))


class BusyLabel(QLabel):
    """The status bar's stretching line of what is running ("Send order…" for every order, then nothing).

    It paints its own text as a QLabel paints a plain one: QLabel.setText re-laid out the whole status bar twice
    per order. The bar is laid out again only when a text is as wide as the room the line has (or the text it
    replaces was), as it then squeezes the bar's other fields as a QLabel's would.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._height = super().sizeHint().height()  # QLabel's own text is always empty: one line's height
        self._widths: dict[str, int] = {}
        """The width each text asks for (a few texts come back with every order), until the font or margins change."""

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        squeezes = max(self._width_for(self._text), self._width_for(text)) >= self.width()
        self._text = text
        self.setAccessibleName(text)  # what a screen reader reads, as it would read a QLabel's text
        if squeezes:
            self.updateGeometry()
        self.update()

    def _width_for(self, text: str) -> int:
        width = self._widths.get(text)
        if width is None:
            margins = self.contentsMargins()
            width = (self.fontMetrics().boundingRect(QRect(0, 0, 2000, 2000), int(self.alignment()), text).width()
                     + margins.left() + margins.right() + 2 * self.margin())
            if len(self._widths) > 64:  # each operation's label is a text: keep the few of these days
                self._widths.clear()
            self._widths[text] = width
        return width

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.ContentsRectChange):
            self._widths.clear()
            self._height = super().sizeHint().height()  # QLabel's own text is always empty: one line's height

    def sizeHint(self) -> QSize:
        return QSize(self._width_for(self._text), self._height)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        alignment = QStyle.visualAlignment(self.layoutDirection(), self.alignment())
        self.style().drawItemText(painter, self.contentsRect(), int(alignment), self.palette(), self.isEnabled(),
                                  self._text, self.foregroundRole())
        painter.end()

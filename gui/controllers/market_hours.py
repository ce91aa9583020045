"""Feed the ticket (and the approval queue) the trading hours of its account's instrument: asked of the broker
once a day (in the background: the ticket never waits), kept by core's MarketHours, and read again every half
minute so that the line turns from open to closed at the close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from core.domain import AccountId, Instrument
from core.domain.trading_hours import TradingHours
from core.ports.errors import BrokerError
from core.services.approval_row import ApprovalRow
from gui.async_op import run_op

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow

REREAD_MS = 30_000


class MarketHoursController(QObject):
    """The ticket's HoursSource over the session's MarketHours; the approval queue's market column.

    Signals: answered() when a broker's hours came (views that show them read again).
    """

    answered = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._hours = window.session.view.trading_hours()
        self._asking: set[tuple[str, str]] = set()
        self._failed: set[tuple[str, str]] = set()
        self._timer = QTimer(self, interval=REREAD_MS)
        self._timer.timeout.connect(window.ticket.refresh_hours)
        self._timer.start()
        window.ticket.set_hours_source(self.hours_of)

    @classmethod
    def install(cls, window: MainWindow) -> MarketHoursController:
        """Give the window's ticket its market hours."""
        controller = cls(window)
        window.shutdown_hooks.append(controller.stop)
        return controller

    async def stop(self) -> None:
        """Stop re-reading the hours (the window is shutting down)."""
        self._timer.stop()

    def hours_of(self, account: str, instrument: Instrument) -> TradingHours | None:
        """Return the hours kept for instrument on account; ask the broker (once) when none are kept."""
        account_id = AccountId(account)
        try:
            known = self._hours.known(account_id, instrument)
            wanted = known is None and self._hours.needs_load(account_id, instrument)
        except KeyError:  # an account removed meanwhile
            return None
        key = (account, instrument.symbol)
        if wanted and key not in self._asking and key not in self._failed:
            self._asking.add(key)
            run_op(self._window.reporter, f"Trading hours of {instrument.symbol} on {account}",
                   self._hours.load(account_id, instrument),
                   on_success=lambda _hours: self._answered(key), on_error=lambda exc: self._refused(key, exc))
        return known

    def market_of(self, row: ApprovalRow) -> tuple[str, bool] | None:
        """Return (the market's state in two words, 'NSE closed', and whether it is closed) for an order awaiting
        approval (the dock is narrow: the ticket says when it opens), or None while its hours are not known
        (asked of the broker, once, in the background)."""
        instrument = self._window.session.view.instrument(row.symbol, str(row.account_id))
        hours = None if instrument is None else self.hours_of(str(row.account_id), instrument)
        if hours is None:
            return None
        is_open = hours.state_at(datetime.now(UTC)).is_open
        return f"{hours.venue} {'open' if is_open else 'closed'}", not is_open

    def _answered(self, key: tuple[str, str]) -> None:
        self._asking.discard(key)
        self._window.ticket.refresh_hours()
        self.answered.emit()

    def _refused(self, key: tuple[str, str], exc: BaseException) -> None:
        """A broker that cannot say now (not connected) is asked again at the next re-read; any other error once."""
        self._asking.discard(key)
        if not isinstance(exc, BrokerError):
            self._failed.add(key)
            self._window.log_view.add("WARNING", f"Trading hours of {key[1]} on {key[0]}: {exc}")

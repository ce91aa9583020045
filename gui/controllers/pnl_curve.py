"""PnlCurveDocks: the 'P&L' dock (objectName 'dock.pnlCurve'), its curve built after the window's first paint.

The curve is core's PnlCurve (core/services/pnl_curve.py): the journal's fills replayed from the start
of the local day, then the portfolio's realised + unrealised P&L sampled twice a second (a point only
when it changed), so it moves with every fill and every mark of the account's positions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.domain import AccountId, Fill, FillRecorded
from core.ports.journal import JournalError

if TYPE_CHECKING:
    from core.services.pnl_curve import PnlCurve
    from gui.widgets.main_window import MainWindow
    from gui.widgets.pnl_curve import PnlCurveView

Defer = Callable[[QWidget, Callable[[], object]], object]
SAMPLE_MS = 500


class PnlCurveDocks:
    """The P&L dock; `view` is its PnlCurveView once built."""

    @classmethod
    def install(cls, window: MainWindow, after_first_paint: Defer) -> PnlCurveDocks:
        """Add the dock now and build its curve after the first paint (the composition root's line)."""
        docks = cls(window)
        window.keep_alive.append(docks)
        after_first_paint(window, lambda: QTimer.singleShot(0, docks.host, docks.build))
        return docks

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self._session = window.session
        self.view: PnlCurveView | None = None
        self._fills: list[Fill] = []
        self._curves: dict[tuple[str, str], PnlCurve] = {}
        self._shown: tuple[str, str] | None = None
        self._unsubscribe: Callable[[], None] = lambda: None
        self._offered: tuple[object, ...] = ()
        self.host = QWidget(objectName="pnlCurveHost")
        QVBoxLayout(self.host).setContentsMargins(0, 0, 0, 0)
        window.add_dock("P&L", "dock.pnlCurve", self.host, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._timer = QTimer(self.host)
        self._timer.setInterval(SAMPLE_MS)
        self._timer.timeout.connect(self.sample)
        self._shut = False
        window.shutdown_hooks.append(self._close)

    def build(self) -> PnlCurveView | None:
        """Build the view (once), read the journal's fills, and start sampling; never after the window shut down."""
        if self.view is None and not self._shut:
            from gui.widgets.pnl_curve import PnlCurveView

            self.view = PnlCurveView(self.host)
            layout = self.host.layout()
            assert layout is not None
            layout.addWidget(self.view)
            try:
                self._fills = list(self._session.journal.load().fills)
            except JournalError as exc:  # the curve still runs live; the day before the window opened is lost
                self._window.log_view.add("WARNING", f"P&L curve: the journal's fills could not be read ({exc}); "
                                                     "the curve starts now.")
            self._unsubscribe = self._session.bus.subscribe(FillRecorded, lambda e: self._fills.append(e.fill))
            self.view.on_pick = self._show
            self._offer()
            self._timer.start()
        return self.view

    def _offer(self) -> None:
        from core.services.pnl_curve import currencies_of

        assert self.view is not None
        accounts = [str(a) for a in self._session.view.account_ids()]
        account = self.view.account.currentText() or (accounts[0] if accounts else "")
        held = tuple(self._session.portfolio.totals(AccountId(account))) if account else ()
        offered = (tuple(accounts), account, len(self._fills), held)
        if offered == self._offered:
            return  # nothing new to offer: no walk over the fills twice a second
        self._offered = offered
        currencies = (currencies_of(self._session.portfolio, self._fills, self._session.instruments,
                                    AccountId(account)) if account else []) or ["USD"]
        self.view.set_choices(accounts, currencies)

    def curve(self, account: str, currency: str) -> PnlCurve:
        """Return the curve of account in currency (replayed from the journal the first time)."""
        from core.services.pnl_curve import PnlCurve, replayed_pnl

        key = (account, currency)
        if key not in self._curves:
            now = self._session.clock.now()
            since = datetime.combine(now.astimezone().date(), datetime.min.time()).astimezone()
            history = replayed_pnl(self._fills, self._session.instruments, AccountId(account), currency, since)
            self._curves[key] = PnlCurve(self._session.portfolio, AccountId(account), currency, history)
            self._curves[key].sample(now)
        return self._curves[key]

    def _show(self, account: str, currency: str) -> None:
        self._shown = (account, currency)
        if self.view is not None:
            self.view.show_points(self.curve(account, currency).points, currency)

    def sample(self) -> None:
        """Add a point to each curve whose P&L changed; redraw the shown one when it did."""
        if self.view is None:
            return
        self._offer()
        now = self._session.clock.now()
        for key, curve in self._curves.items():
            if curve.sample(now) and key == self._shown:
                self.view.show_points(curve.points, curve.currency)

    async def _close(self) -> None:
        self._shut = True
        self._timer.stop()
        self._unsubscribe()

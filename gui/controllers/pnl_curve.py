"""PnlCurveDocks: the 'P&L' dock (objectName 'dock.pnlCurve'): its curve sampled from the window's first paint on,
drawn once the dock is first in view.

The curve is core's PnlCurve (core/services/pnl_curve.py): the portfolio's realised + unrealised P&L
sampled twice a second from the first paint (a point only when it changed), so it moves with every fill
and every mark of the account's positions; before those samples, the account's fills replayed from the
journal up to the start of the local day and one point per fill of the day. Sampling needs no Qt chart:
the view (PnlCurveView, pyqtgraph and numpy: 50 MB) is built only when the trader first raises the dock's
tab (BuildWhenShown), and draws what was sampled until then.

The replay never runs on the GUI thread: an account's fills are read a page at a time through the
journal's read-only HistoryReader in a worker thread (asyncio.to_thread) into running positions
(replay_account: memory bounded by the symbols traded, not the journal's history), and handed to the
curve when done. Meanwhile the dock says "Loading…" and the live samples already run. The currencies
offered are counted as fills are seen (the replay's, then each FillRecorded), never by walking fills.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.domain import AccountId, FillRecorded
from gui.async_op import run_op
from gui.periodic import start_apart
from gui.widgets.dock_build import BuildWhenShown

if TYPE_CHECKING:
    from core.ports.history import HistoryQueries
    from core.services.pnl_curve import PnlCurve, PnlReplay
    from gui.widgets.main_window import MainWindow
    from gui.widgets.pnl_curve import PnlCurveView

Defer = Callable[[QWidget, Callable[[], object]], object]
SAMPLE_MS = 500


class PnlCurveDocks:
    """The P&L dock; `view` is its PnlCurveView once built."""

    @classmethod
    def install(cls, window: MainWindow, after_first_paint: Defer,
                open_history: Callable[[], HistoryQueries]) -> PnlCurveDocks:
        """Add the dock now, start sampling after the first paint and draw once the dock is in view (the composition
        root's line)."""
        docks = cls(window, open_history)
        window.keep_alive.append(docks)
        after_first_paint(window, lambda: QTimer.singleShot(0, docks.host, docks.start))
        return docks

    def __init__(self, window: MainWindow, open_history: Callable[[], HistoryQueries]) -> None:
        self._window = window
        self._session = window.session
        self._open_history = open_history
        self.view: PnlCurveView | None = None
        self._curves: dict[tuple[str, str], PnlCurve] = {}
        self._replays: dict[str, PnlReplay] = {}
        """Each account's replay once done."""
        self._pending: set[str] = set()
        """The accounts whose replay is running."""
        self.replays: dict[str, asyncio.Future[Any]] = {}
        """The replay of each account's journal fills in its worker thread (tests and the bench await them)."""
        self._seen: dict[str, dict[str, int]] = {}
        self._seen_version = 0
        self._stop = threading.Event()
        self._shown: tuple[str, str] | None = None
        self._unsubscribe: Callable[[], None] = lambda: None
        self._offered: tuple[object, ...] = ()
        self.host = QWidget(objectName="pnlCurveHost")
        QVBoxLayout(self.host).setContentsMargins(0, 0, 0, 0)
        # "PnL", not "P&L": a dock tab reads "&" as a keyboard mnemonic and showed "PL".
        self.dock = window.add_dock("PnL", "dock.pnlCurve", self.host, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._timer = QTimer(self.host)
        self._timer.setInterval(SAMPLE_MS)
        self._timer.timeout.connect(self.sample)
        self._shut = False
        self._started = False
        window.shutdown_hooks.append(self._close)

    def start(self) -> None:
        """Start sampling (once) the first account's curve, its replay in a worker thread; build the view once the
        dock is in view."""
        if self._started or self._shut:
            return
        self._started = True
        self._unsubscribe = self._session.bus.subscribe(FillRecorded, self._on_fill)
        accounts = [str(a) for a in self._session.view.account_ids()]
        if accounts:  # what the view picks first: the first account, in its first currency
            self._show(accounts[0], self._currencies(accounts[0])[0])
        start_apart(self._timer)
        BuildWhenShown(self.dock, self.build)

    def build(self) -> PnlCurveView | None:
        """Build the view (once), sampling if not yet started; the picked account's replay starts in a worker thread."""
        self.start()
        if self.view is None and not self._shut:
            from gui.widgets.pnl_curve import PnlCurveView

            self.view = PnlCurveView(self.host)
            layout = self.host.layout()
            assert layout is not None
            layout.addWidget(self.view)
            self.view.on_pick = self._show
            self._offer()  # the view's first pick draws what was sampled for it until now
        return self.view

    def _since(self) -> datetime:
        now = self._session.clock.now()
        return datetime.combine(now.astimezone().date(), datetime.min.time()).astimezone()

    def _count(self, account: str, currency: str, fills: int) -> None:
        seen = self._seen.setdefault(account, {})
        seen[currency] = seen.get(currency, 0) + fills
        self._seen_version += 1

    def _on_fill(self, event: FillRecorded) -> None:
        instrument = self._session.view.instrument(event.fill.symbol, event.fill.account_id)
        if instrument is not None:
            self._count(str(event.fill.account_id), instrument.currency, 1)

    # --- the replay -----------------------------------------------------------------------------

    def _replay(self, account: str) -> None:
        """Start replaying account's journal fills in a worker thread (once per account)."""
        if account in self.replays or self._shut:
            return
        self._pending.add(account)
        from core.services.pnl_curve import replay_account

        instruments, since, stop = self._session.view.instruments(), self._since(), self._stop

        def work() -> PnlReplay:
            history = self._open_history()
            try:
                return replay_account(history, instruments, AccountId(account), since, stop)
            finally:
                history.close()

        job = asyncio.ensure_future(asyncio.to_thread(work))
        self.replays[account] = job

        async def done() -> PnlReplay:
            return await asyncio.shield(job)  # a cancel at shutdown leaves the thread to stop at its next page

        run_op(self._window.reporter, "Replay the P&L curve", done(),
               on_success=lambda replay: self._replayed(account, replay),
               on_error=lambda exc: self._failed(account, exc))

    def _replayed(self, account: str, replay: PnlReplay) -> None:
        if self._shut:
            return
        self._pending.discard(account)
        self._replays[account] = replay
        for currency, fills in replay.currencies.items():
            self._count(account, currency, fills)
        for (owner, currency), curve in self._curves.items():
            if owner == account:
                curve.begin_with(replay.points(currency))
        if self.view is not None:
            self._offer()
        if self._shown is not None and self._shown[0] == account:
            self._show(*self._shown)

    def _failed(self, account: str, exc: BaseException) -> None:
        if self._shut:
            return
        self._window.log_view.add("WARNING", f"P&L curve: the journal's fills of {account} could not be read "
                                             f"({exc}); the curve starts now.")
        self._pending.discard(account)
        if self._shown is not None and self._shown[0] == account:
            self._show(*self._shown)

    def _loading(self, account: str) -> bool:
        return account in self._pending

    # --- the view -------------------------------------------------------------------------------

    def _offer(self) -> None:
        assert self.view is not None
        accounts = [str(a) for a in self._session.view.account_ids()]
        account = self.view.account.currentText() or (accounts[0] if accounts else "")
        held = tuple(self._session.view.account_pnl(AccountId(account))) if account else ()
        offered = (tuple(accounts), account, self._seen_version, held)
        if offered == self._offered:
            return  # nothing new to offer
        self._offered = offered
        self.view.set_choices(accounts, self._currencies(account))

    def _currencies(self, account: str) -> list[str]:
        from core.services.pnl_curve import currencies_of

        return (currencies_of(self._session.view.account_pnl, self._seen.get(account, {}), AccountId(account))
                if account else []) or ["USD"]

    def curve(self, account: str, currency: str) -> PnlCurve:
        """Return the curve of account in currency: live samples from now, with the replay once it is done."""
        from core.services.pnl_curve import PnlCurve

        key = (account, currency)
        if key not in self._curves:
            replay = self._replays.get(account)
            history = replay.points(currency) if replay is not None else []
            self._curves[key] = PnlCurve(self._session.view.account_pnl, AccountId(account), currency, history)
            self._curves[key].sample(self._session.clock.now())
        return self._curves[key]

    def _show(self, account: str, currency: str) -> None:
        self._shown = (account, currency)
        self._replay(account)
        curve = self.curve(account, currency)
        if self.view is not None:
            self.view.show_points(curve.points, currency, loading=self._loading(account))

    def sample(self) -> None:
        """Add a point to each curve whose P&L changed; redraw the shown one when it did (once the view is built)."""
        if self.view is not None:
            self._offer()
        now = self._session.clock.now()
        for key, curve in self._curves.items():
            if curve.sample(now) and key == self._shown and self.view is not None:
                self.view.show_points(curve.points, curve.currency, loading=self._loading(key[0]))

    async def _close(self) -> None:
        self._shut = True
        self._stop.set()
        self._timer.stop()
        self._unsubscribe()
        await asyncio.gather(*self.replays.values(), return_exceptions=True)


"""ChartController: feed one chart dock (history, live bars, orders, fills, position) and trade from it.

History comes from the account's own broker when it serves bars (the BarHistory capability), through
the on-disk cache; live bars come from the core BarBuilder through the frame feed, one update a frame,
or from the broker itself when it keeps the bar under way (KeptBars: IB's keepUpToDate), through the
same frame feed.
Chart trading goes the blotter's way: a dragged line is `session.modify` (validation, risk, journal),
after the trader's confirm when the ticket's 'Confirm before sending' is on; a right-click places
through the ticket (its validation and confirm dialog); a right-click on a working order's line cancels it,
and on a stop-loss or take-profit line offers to cancel that child (at the broker through `session.cancel`, a
held one in the session's HeldProtection, journaled).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QMenu, QMessageBox, QPushButton

from core.domain import (
    AccountId,
    ClientOrderId,
    Fill,
    Instrument,
    Order,
    OrderOrigin,
    OrderType,
    Position,
    Side,
    TradeId,
    TradingState,
)
from core.domain.bars import Bar
from core.domain.held_events import HeldChildChanged
from core.domain.protection import HeldState
from core.ports.bar_history import INTERVAL_LABELS, BarHistory, HistoryUnavailable
from core.ports.kept_bars import KeptBars
from core.services.bar_builder import BarBuilder
from core.services.bar_cache import BarCache, cached_history
from core.services.session import OrderRefused
from core.services.sizing import SizingError
from gui.async_op import run_op
from gui.controllers.chart_link_menu import add_link_entries
from gui.controllers.click_sizing import size_click
from gui.controllers.orders import describe
from gui.frame_feed import FeedWatch, PositionKey
from gui.models.format import fmt_price
from gui.models.table_model import RawRole
from gui.widgets.chart.bracket_lines import BracketLine, bracket_legs
from gui.widgets.chart.chart_view import ChartView
from gui.widgets.chart.order_lines import OrderLine
from gui.widgets.literal_text import literal

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow

HISTORY_BARS = 2_000
"""How many bars back the chart asks for."""


Line = OrderLine | BracketLine
"""A draggable line: a working order's, or a protective child's."""


def _what(line: Line) -> str:
    """Name what the line is, for the confirm and the log ('order B123…', 'held stop-loss of AAPL')."""
    if line.order is not None:  # its account too: the chart shows every account's orders of the symbol
        return f"{describe(line.order).split(' — ')[0]} on {line.order.account_id}"
    held = line.leg.held if isinstance(line, BracketLine) else None
    return "the line" if held is None else f"held {held.leg.label} of {held.symbol}"


def _once(action: Callable[[], None]) -> Callable[[], None]:
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return run


class ChartController:
    """Serve one ChartView on window: follow the watchlist, load history, stream live bars, trade."""

    def open_another(self) -> ChartController:
        """Open one more chart dock, pinned to the symbol this chart shows (several charts side by side)."""
        number = len(self.others) + 2
        view = ChartView()
        other = ChartController(self._window, view, self._cache)
        self._window.add_dock(f"Chart {number}", f"dock.chart.{number}", view, Qt.DockWidgetArea.RightDockWidgetArea)
        self._window.shutdown_hooks.append(other.close)
        view.pin.setChecked(True)
        if self.view.symbol and self.view.symbol != view.symbol:
            other.show_symbol(self.view.symbol)
        self.others.append(other)
        return other

    def __init__(self, window: MainWindow, view: ChartView, cache: BarCache | None) -> None:
        self._window = window
        self._session = window.session
        self.view = view
        self._cache = cache
        self._builder = BarBuilder(window.session.bus)
        self._unbuild = lambda: None
        self._unkeep = lambda: None
        """Let go of the broker's kept bars (KeptBars) of what the chart showed."""
        self._bars: FeedWatch[datetime, Bar] | None = None
        self.feed: str | None = None
        """Whose quotes and history the chart shows: an account's id, or a feed with no account (None: nobody's)."""
        self._children: dict[str, Order] = {}
        """The shown symbol's working protective orders (its position's stop-loss and take-profit at the broker)."""
        self._generation = 0
        self.confirm_box: QMessageBox | None = None
        self.loaded: asyncio.Future[list[Bar]] | None = None
        """The history read under way (tests await it)."""
        self.moved: asyncio.Future[Order] | None = None
        """The last move under way (tests await it)."""
        self.place_menu: QMenu | None = None
        self.line_menu: QMenu | None = None
        """The menu a right-click on a stop-loss or take-profit line opened (tests trigger its actions)."""
        self.others: list[ChartController] = []
        """The charts opened with New chart."""
        feed = window.bridge.feed
        self._watches: list[FeedWatch] = [  # type: ignore[type-arg]
            feed.watch_orders(self._on_orders), feed.watch_fills(self._on_fills),
            feed.watch_positions(self._on_positions),
        ]
        view.on_timeframe = lambda _interval: self._load()
        view.on_move = self._on_move
        view.on_cancel = self._on_cancel
        view.on_place = self._on_place
        view.on_move_bracket = self._on_move
        view.on_cancel_bracket = self._on_bracket_menu
        self._unheld = window.session.bus.subscribe(HeldChildChanged, self._on_held)
        window.bridge.trading_state_changed.connect(self._on_trading_state)
        window.watchlist_view.clicked.connect(self._on_watchlist)
        window.watchlist_view.selectionModel().currentChanged.connect(lambda index, _old: self._on_watchlist(index))
        self._show_first()

    def _show_first(self) -> None:
        current = self._window.watchlist_view.currentIndex()  # a chart built late: the row the trader picked
        picked = [str(current.siblingAtColumn(0).data() or "")] if current.isValid() else []
        symbols = [s for s in picked if s] or list(self._window.settings.watchlist()) or list(
            self._session.view.instruments())
        if symbols:
            self.show_symbol(symbols[0])

    # --- what is shown --------------------------------------------------------------------------

    def _on_watchlist(self, index: QModelIndex) -> None:
        if index.isValid() and not self.view.pin.isChecked():
            symbol = str(index.siblingAtColumn(0).data())
            if symbol and (symbol != self.view.symbol or self._feed_for(symbol) != self.feed):  # or the row's feed
                self.show_symbol(symbol)

    def _on_trading_state(self, account: AccountId | None, state: TradingState, _reason: str) -> None:
        """Chart again when an account becomes active: its instruments, feed and history are there only now."""
        if state is not TradingState.ACTIVE:
            return
        if not self.view.symbol:
            self._show_first()
        elif self.feed is None or (account is not None and self.feed == account and not self.view.series.size):
            self.show_symbol(self.view.symbol)

    def show_symbol(self, symbol: str) -> None:
        """Chart symbol from its watchlist row's feed (as the ticket and the ladder take it), else from the first
        account that lists it."""
        self.feed = self._feed_for(symbol)
        history = self._history()
        self.view.set_symbol(symbol, "" if history is not None else "live bars only", self.feed or "")
        self.view.set_served(history.history_intervals() if history is not None else None)
        working = self._session.view.working_orders(symbol=symbol)
        self._children = {str(o.client_order_id): o for o in working if o.origin is OrderOrigin.PROTECTIVE}
        self.view.show_orders(working)
        self._show_brackets()
        self.view.add_fills(self._known_fills(symbol))
        if self.account is not None:
            position = self._session.view.position(self.account, symbol)
            if position is not None:
                self.view.average_line.show_position(position.quantity, position.avg_cost or None,
                                                 position.instrument.price_places)
        self._load()

    @property
    def account(self) -> AccountId | None:
        """The account whose feed is charted (None when the feed is no account's)."""
        feed = self.feed
        return None if not feed or feed not in self._session.view.account_ids() else AccountId(feed)

    def _feed_for(self, symbol: str) -> str | None:
        view = self._session.view
        row = self._window.bridge.quotes.feed_of(symbol)  # a chart on another feed placed orders on another account
        if row is not None and any(str(a) == row and view.lists(a, symbol) for a in view.account_ids()):
            return row
        return next((str(a) for a in view.account_ids() if view.lists(a, symbol)), None) or view.first_feed(symbol)

    def _history(self) -> BarHistory | None:
        """The charted account's broker's bar history (None: the feed is no account's, or its broker has none)."""
        account = self.account
        return None if account is None else self._session.view.bar_history(account)

    def _kind(self) -> str | None:
        account = self.account
        return None if account is None else self._session.view.status(account).kind

    def _load(self) -> None:
        """Load the history of the shown symbol and timeframe, and build its live bars."""
        view, symbol, interval, feed = self.view, self.view.symbol, self.view.interval, self.feed
        self._generation += 1
        generation = self._generation
        self._unbuild()
        self._unkeep()
        self._unkeep = lambda: None
        if self._bars is not None:
            self._bars.cancel()
            self._bars = None
        view.series.clear()
        view.show_title()
        if feed is None:
            view.show_status(f"No account quotes {symbol}: nothing to chart.")
            return
        self._unbuild = self._builder.watch(feed, symbol, interval)
        self._bars = self._window.bridge.feed.watch_bars(symbol, interval, self._on_bars, feed=feed)
        adapter, kind = self._history(), self._kind()
        if adapter is None:
            whose = "this feed has" if kind is None else f"{kind} accounts have"
            view.show_status(f"No history: {whose} none. The bars are built from the live quotes since the "
                             "chart opened.")
            return
        if interval not in adapter.history_intervals():
            view.show_status(f"No history: {kind} does not serve {INTERVAL_LABELS[interval]} bars. "
                             "Live bars only.")
            return
        view.show_status(f"Loading {symbol} history…")
        end = datetime.now(UTC)

        def loaded(bars: list[Bar]) -> None:
            if generation != self._generation:  # the chart moved on while this loaded: let go of its hold
                if isinstance(adapter, KeptBars) and adapter.keeps_bars(symbol, interval):
                    adapter.release_bars(symbol, interval)
                return
            view.show_history(bars)
            view.show_status("" if bars else f"No history for {symbol}: the broker has none. Live bars only.")
            if isinstance(adapter, KeptBars) and adapter.keeps_bars(symbol, interval):
                self._unbuild()  # the broker keeps the bar under way (IB keepUpToDate): its bars, not ours
                self._unbuild = lambda: None
                self._unkeep = _once(lambda: adapter.release_bars(symbol, interval))

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                why = str(exc) if isinstance(exc, HistoryUnavailable) else f"{type(exc).__name__}: {exc}"
                view.show_status(f"No history: {why} Live bars only.")

        self.loaded = run_op(self._window.reporter, f"Chart {symbol}",
                             cached_history(adapter, self._cache, feed, symbol, interval,
                                            end - interval * HISTORY_BARS, end),
                             on_success=loaded, on_error=failed)

    def _known_fills(self, symbol: str) -> list[Fill]:
        model = self._window.bridge.fills
        fills = [model.index(row, 0).data(RawRole) for row in range(model.rowCount())]
        return [f for f in fills if isinstance(f, Fill) and f.symbol == symbol]

    # --- the frame feed -------------------------------------------------------------------------

    def _on_bars(self, bars: Mapping[datetime, Bar]) -> None:
        self.view.update_bars(sorted(bars.values(), key=lambda bar: bar.start))

    def _on_orders(self, orders: Mapping[ClientOrderId, Order]) -> None:
        changed = [order for order in orders.values() if order.symbol == self.view.symbol]
        if not changed:
            return
        self.view.update_orders(changed)  # this frame's changes only (each line keeps its order object)
        children = [order for order in changed if order.origin is OrderOrigin.PROTECTIVE]
        for order in children:
            if order.is_working:
                self._children[str(order.client_order_id)] = order
            else:
                self._children.pop(str(order.client_order_id), None)
        if children:  # not for the other orders: a frame of 100 new orders need not look at 1,000 resting ones
            self._show_brackets()

    def _on_held(self, event: HeldChildChanged) -> None:
        if event.child.symbol == self.view.symbol and event.child.account_id == self.account:
            self._show_brackets()

    def _show_brackets(self) -> None:
        """Draw the shown position's live stop-loss and take-profit: at the broker and held by TradeTerm."""
        account = self.account
        held = [] if account is None else self._session.view.held_children(account, self.view.symbol)
        entries = None
        if account is not None and any(child.state is HeldState.PENDING for child in held):
            entries = {o.client_order_id: o for o in self._session.view.working_orders(account, self.view.symbol)}
        self.view.show_brackets(bracket_legs(self._children.values(), held, entries))

    def _on_fills(self, fills: Mapping[tuple[AccountId, TradeId], Fill]) -> None:
        mine = [f for f in fills.values() if f.symbol == self.view.symbol]
        if mine:
            self.view.add_fills(mine)

    def _on_positions(self, positions: Mapping[PositionKey, Position]) -> None:
        position = positions.get((self.account, self.view.symbol)) if self.account is not None else None
        if position is not None:
            self.view.average_line.show_position(position.quantity, position.avg_cost or None,
                                                 position.instrument.price_places)

    # --- chart trading --------------------------------------------------------------------------

    def _on_move(self, line: Line, value: float) -> None:
        order = line.order
        instrument = order.instrument if order is not None else self._instrument()
        if instrument is None:
            line.snap_back()
            return
        try:
            price = instrument.make_price(Decimal(repr(value))).value
        except (InvalidOperation, ValueError) as exc:
            self._refused(line, str(exc))
            return
        if price == line.price:
            line.snap_back()
            return
        line.setValue(float(price))  # snapped to the tick
        if self._confirm_required():
            self._ask_confirm(line, price)
        else:
            self._apply_move(line, price)

    def _apply_move(self, line: Line, price: Decimal) -> None:
        if isinstance(line, BracketLine) and line.leg.held is not None:
            self.move_held(line, price)
        else:
            self.move_order(line, price)

    def move_held(self, line: BracketLine, price: Decimal) -> None:
        """Move a held child's trigger to price (HeldProtection.move: journaled); a refusal snaps back and says why."""
        held, account = line.leg.held, self.account
        assert held is not None
        try:
            moved = self._session.move_held(held.entry, held.leg, price)
        except ValueError as exc:
            self._refused(line, str(exc))
            return
        line.price = moved.trigger
        self.view.show_status("")
        self._window.log_view.add("INFO", f"Moved from the chart: held {held.leg.label} of {held.symbol} "
                                          f"({account}) to {moved.trigger}")

    def _confirm_required(self) -> bool:
        check = self._window.ticket.findChild(QCheckBox, "orderTicket.confirmCheck")
        return check is not None and check.isChecked()

    def _shown(self, line: Line, price: Decimal) -> str:
        """price as the grids show it, at the instrument's places ('189.50', not '189.5')."""
        instrument = line.order.instrument if line.order is not None else self._instrument()
        return str(price) if instrument is None else fmt_price(price, instrument.price_places)

    def _ask_confirm(self, line: Line, price: Decimal) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Move order",
                          f"Move {_what(line)} from {self._shown(line, line.price)} to {self._shown(line, price)}?",
                          QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel, self.view)
        box.setObjectName("chartView.confirmMove")
        self.confirm_box = box

        def finished(result: int) -> None:
            self.confirm_box = None
            if result == QMessageBox.StandardButton.Ok:
                self._apply_move(line, price)
            else:
                line.snap_back()
                self.view.show_status("Move cancelled: the order stays where it was.")

        box.finished.connect(finished)
        box.open()

    def move_order(self, line: Line, price: Decimal) -> None:
        """Modify line's order to price (the blotter's modify path); a refusal snaps the line back and says why."""
        order = line.order
        assert order is not None
        stop_moves = order.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        limit = order.limit_price.value if order.limit_price is not None and stop_moves else None
        limit = limit if stop_moves else price
        stop = price if stop_moves else (None if order.stop_price is None else order.stop_price.value)

        def done(changed: Order) -> None:
            if changed.reason:
                self._refused(line, changed.reason)
            else:
                line.price = price
                self.view.show_status("")
                self._window.log_view.add("INFO", f"Moved from the chart: {describe(changed)}")

        def failed(exc: BaseException) -> None:
            errors = exc.errors if isinstance(exc, OrderRefused) else []
            why = "; ".join(e.message for e in errors) or str(exc)
            self._refused(line, why)

        self.moved = run_op(self._window.reporter, f"Modify {order.symbol}",
                            self._session.modify(order.client_order_id, order.quantity.value, limit, stop),
                            on_success=done, on_error=failed)

    def _refused(self, line: Line, why: str) -> None:
        line.snap_back()
        self.view.show_status(f"Not moved: {why}")
        self._window.log_view.add("WARNING", f"{_what(line)[0].upper()}{_what(line)[1:]} not moved: {why}")

    def _on_cancel(self, line: OrderLine, _where: QPoint) -> None:
        order = line.order
        run_op(self._window.reporter, f"Cancel {order.symbol}", self._session.cancel(order.client_order_id),
               eager=True)

    def _on_bracket_menu(self, line: BracketLine, where: QPoint) -> None:
        """Offer to cancel the protective child under the pointer (its sibling stays)."""
        menu = QMenu(self.view)
        menu.setObjectName("chartView.lineMenu")
        action = menu.addAction(literal(f"Cancel {_what(line)} at {self._shown(line, line.price)}"))
        action.setObjectName("chartView.lineMenu.cancel")
        action.triggered.connect(lambda _=False: self.cancel_bracket(line))
        self.line_menu = menu
        menu.popup(where)

    def cancel_bracket(self, line: BracketLine) -> None:
        """Cancel line's child: at the broker through the order path's cancel; a held one in HeldProtection."""
        held = line.leg.held
        if held is None:
            order = line.order
            assert order is not None
            run_op(self._window.reporter, f"Cancel {order.symbol}", self._session.cancel(order.client_order_id),
                   eager=True)
            return
        try:
            self._session.cancel_held(held.entry, held.leg, "Cancelled from the chart.")
        except ValueError as exc:
            self.view.show_status(f"Not cancelled: {exc}")
            return
        self.view.show_status("")
        self._window.log_view.add("INFO", f"Cancelled from the chart: held {held.leg.label} of {held.symbol} "
                                          f"({held.account_id}) at {held.trigger}")

    def _on_place(self, value: float, where: QPoint) -> None:
        symbol, account = self.view.symbol, self.account
        if not symbol or account is None:
            return
        instrument = self._instrument()
        if instrument is None:
            return
        price = instrument.make_price(Decimal(repr(value))).value
        quote = self._session.view.latest_quote(symbol, str(account))
        market = None if quote is None else quote.last or quote.bid
        below = market is None or price < market
        choices = ((Side.BUY, OrderType.LIMIT), (Side.SELL, OrderType.STOP)) if below else (
            (Side.SELL, OrderType.LIMIT), (Side.BUY, OrderType.STOP))
        menu = QMenu(self.view)
        menu.setObjectName("chartView.placeMenu")
        for side, order_type in choices:
            kind = "limit" if order_type is OrderType.LIMIT else "stop"
            at = fmt_price(price, instrument.price_places)
            action = menu.addAction(literal(f"{side.value.title()} {kind} {symbol} @ {at} on {account}"))
            action.triggered.connect(lambda _=False, s=side, t=order_type: self.place(s, t, price))
        add_link_entries(menu, self._window.ticket, symbol, price)  # OCO/OTO on the ticket (chart_link_menu.py)
        self.place_menu = menu
        menu.popup(where)

    def place(self, side: Side, order_type: OrderType, price: Decimal) -> None:
        """Put the order on the ticket and send it the ticket's way (its checks and confirm dialog).

        With the ticket sizing clicks by risk ('Ladder & chart'), the quantity is the one risk sizing gives the
        order at price; if it gives none, nothing is placed and the chart says why.
        """
        ticket = self._window.ticket
        try:
            sized = size_click(self._session.view, ticket, str(self.account), self.view.symbol, side, order_type,
                               price)
        except SizingError as exc:
            self.view.show_status(f"Not placed: sizing by risk: {exc.message}")
            return
        ticket.prefill(self.view.symbol, side, quantity=None if sized is None else sized.quantity, price=price,
                       order_type=order_type, account=str(self.account))
        if sized is not None:
            self.view.show_status(f"Placed through the ticket, {sized.note}.")
        button = ticket.findChild(QPushButton, "orderTicket.sendButton")
        if button is not None:
            button.click()

    def _instrument(self) -> Instrument | None:
        account, symbol, view = self.account, self.view.symbol, self._session.view
        return view.instrument(symbol, account) if account is not None and view.lists(account, symbol) else None

    async def close(self) -> None:
        self._unheld()
        self._unbuild()
        self._unkeep()
        for watch in self._watches:
            watch.cancel()
        if self._bars is not None:
            self._bars.cancel()
        self._builder.close()

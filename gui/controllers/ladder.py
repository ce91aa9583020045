"""LadderController: the price ladder dock — depth, touch, own orders and position of one symbol on one account,
and click-to-trade through the session's one order path (validation, risk, journal, broker).

The ladder follows the watchlist's selection unless pinned. It asks the account's adapter for depth when it
has the DepthFeed capability; otherwise (or when the broker refuses) it shows top of book only and says so.
Everything it shows comes from the bridge's frame feed, painted once per frame.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QMessageBox

from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionState,
    Instrument,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderType,
    Position,
    Price,
    Quote,
    Side,
    TradingState,
)
from core.domain.depth import BookLevel, DepthBook
from core.domain.protection import Bracket, HeldChild, ProtectionLeg
from core.domain.tape import TradePrint
from core.services.depth import DepthService
from core.services.session import ConfirmRequired, OrderRefused
from core.services.sizing import SizingError
from core.services.volume_at_price import VolumeAtPrice
from gui.async_op import run_op
from gui.controllers.click_sizing import size_click
from gui.controllers.orders import describe
from gui.frame_feed import AccountWatch, DepthWatch, PositionKey, PositionWatch, QuoteWatch, TradeWatch
from gui.periodic import start_apart
from gui.widgets.held_confirm import ask_held_confirm
from gui.widgets.ladder.model import LadderModel
from gui.widgets.ladder.widget import LadderWidget

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow

STALE_AFTER_S = 5.0
"""Depth is stale when quotes kept coming this long after its last book (the depth stream stopped)."""
STALE_CHECK_MS = 500
LADDER_WIDTH = 340
"""The dock's first width: the positions grid in the middle keeps the rest."""
MOVED_GUARD_S = 0.5
"""An armed click or drag this soon after the levels moved by themselves (centring, following the market) sends
nothing: under Xvfb the view followed the market just before a click, and a buy aimed below the market became a
buy stop above it, filled at once."""
MOVED_UNDER_POINTER = ("Not {what}: the levels moved under the pointer just now (the ladder followed the market). "
                       "Look at the price again, then click.")
KEEP_IN_VIEW_IDLE_S = 3.0
"""Without auto-centre, a market that left the view comes back once the trader left the ladder alone this long."""
_LEG_MARK = {ProtectionLeg.STOP_LOSS: "SL", ProtectionLeg.TAKE_PROFIT: "TP"}


class LadderController(QObject):
    """Own the ladder model and widget; `window.ladder` after `LadderController.install(window)`."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._session = window.session
        self.model = LadderModel(self)
        window.bridge.flusher.register(self.model)
        self.widget = LadderWidget(self.model)
        self.widget.account_combo.addItems([str(a) for a in self._session.view.account_ids()])
        self.dock = window.add_dock("Ladder", "dock.ladder", self.widget, Qt.DockWidgetArea.RightDockWidgetArea)
        window.resizeDocks([self.dock], [LADDER_WIDTH], Qt.Orientation.Horizontal)
        self.account: AccountId | None = None
        self.symbol = ""
        self._orders: dict[ClientOrderId, Order] = {}
        self._own_levels: set[tuple[Side, Decimal]] = set()
        """Where own orders a click would cancel rest (side, limit or stop price; _own_at): a click elsewhere, the
        one that sends, looks no further."""
        self._position: Position | None = None
        self._quote: Quote | None = None
        self._has_depth = False
        self._depth_at: float | None = None
        self._quote_at: float | None = None
        self._centred = False
        self._depth_watch: DepthWatch | None = None
        self._quote_watch: QuoteWatch | None = None
        self._order_watch: AccountWatch[ClientOrderId, Order] | None = None
        self._position_watch: PositionWatch | None = None
        self._trade_watch: TradeWatch | None = None
        self._volumes: dict[tuple[AccountId, str], VolumeAtPrice] = {}
        """Session volume at price of each symbol and account the ladder has shown (from their time and sales)."""
        window.bridge.flusher.register(self.widget.tape_model)
        self._depth = DepthService(self._session)
        self._depth_of: tuple[AccountId, str] | None = None
        self.widget.on_level_click = self.on_level_clicked
        self.widget.level_dragged.connect(self.on_level_dragged)
        self.widget.cancel_symbol_requested.connect(self.cancel_symbol)
        self.widget.account_chosen.connect(lambda account: self.show(account, self.symbol))
        window.watchlist_view.clicked.connect(self._on_watchlist_clicked)
        self._sizing_box = window.ticket.findChild(QCheckBox, "orderTicket.sizeClicksCheck")
        """The ticket's 'Ladder & chart' box: a click is sized by risk only while it is checked."""
        if self._sizing_box is not None:
            self._sizing_box.toggled.connect(self.widget.set_sized_by_risk)
            self.widget.set_sized_by_risk(self._sizing_box.isChecked())
        self.stale_after_s = STALE_AFTER_S
        self._timer = QTimer(self)
        self._timer.setInterval(STALE_CHECK_MS)
        self._timer.timeout.connect(self._check_stale)
        start_apart(self._timer)

    @classmethod
    def install(cls, window: MainWindow) -> LadderController:
        """Add the ladder dock to window (the one line MainWindow calls)."""
        controller = cls(window)
        window.shutdown_hooks.append(controller.stop)
        return controller

    async def stop(self) -> None:
        self._timer.stop()
        self._cancel_watches()
        await self._unsubscribe_depth()

    # --- what the ladder shows ------------------------------------------------------------------

    def _on_watchlist_clicked(self, index: QModelIndex) -> None:
        if self.widget.pin_box.isChecked():
            return
        symbol = str(index.siblingAtColumn(0).data())
        account = self._window.bridge.quotes.feed_of(symbol) or self.widget.account_combo.currentText()
        self.show(account, symbol)

    def show(self, account: str, symbol: str) -> None:
        """Show symbol on account: its book, touch, own orders and position; ask for depth where the account has it."""
        instrument = self._session.view.instrument(symbol, account or None)
        if not account or instrument is None:
            return
        if self._depth_of == (account, symbol) and self.account == account and self.symbol == symbol:
            return  # shown already: stopping its depth to ask again raced, and the stop could win (no more updates)
        old = self._depth_of
        self.account, self.symbol = AccountId(account), symbol
        if self.widget.account_combo.findText(account) < 0:
            self.widget.account_combo.addItem(account)
        self.widget.account_combo.setCurrentText(account)
        self.widget.symbol_label.setText(f"{symbol}  ·  tick {instrument.tick_size.normalize():f}")
        self.widget.show_status("")
        self.model.reset(instrument.tick_size, instrument.price_places)
        self.widget.tape_model.clear(instrument.price_places)
        self._orders = {o.client_order_id: o for o in self._session.view.working_orders(self.account, symbol)}
        self._position = self._session.view.position(self.account, symbol)
        self._quote = self._session.view.latest_quote(symbol, account)
        self._has_depth, self._depth_at, self._quote_at, self._centred = False, None, None, False
        profile = self._volumes.get((self.account, symbol))
        if profile is not None:  # the session's volume seen while this symbol was shown before
            self.model.set_volume(profile.levels)
        self._watch(account, symbol)
        self._show_quote()
        self._show_orders()
        self._show_position()
        if old is not None:
            run_op(self._window.reporter, "Stop depth", self._depth.unwatch(*old))
            run_op(self._window.reporter, "Stop time and sales", self._depth.unwatch_tape(*old))
        self._subscribe_depth(instrument)

    def _watch(self, account: str, symbol: str) -> None:
        self._cancel_watches()
        feed, model = self._window.bridge.feed, self.model
        self._depth_watch = feed.watch_depth([symbol], self._on_depth, feed=account, paint_with=model)
        self._quote_watch = feed.watch_quotes([symbol], self._on_quotes, feed=account, paint_with=model)
        self._order_watch = feed.watch_orders(self._on_orders, account=AccountId(account), paint_with=model)
        self._position_watch = feed.watch_positions(self._on_positions, account=AccountId(account), paint_with=model)
        tape = self.widget.tape_model
        self._trade_watch = feed.watch_trades([symbol], self._on_prints, feed=account, paint_with=tape)

    def _on_prints(self, prints: Mapping[int, TradePrint]) -> None:
        """Time and sales gets every print; the Volume column counts them in at their prices."""
        self.widget.tape_model.add(prints.values())
        if self.account is None:
            return
        profile = self._volumes.setdefault((self.account, self.symbol), VolumeAtPrice())
        changed = profile.add(prints.values())
        self.model.set_volume(profile.levels, changed)

    def _cancel_watches(self) -> None:
        for watch in (self._depth_watch, self._quote_watch, self._order_watch, self._position_watch,
                      self._trade_watch):
            if watch is not None:
                watch.cancel()

    def _subscribe_depth(self, instrument: Instrument) -> None:
        assert self.account is not None
        self._depth_of = (self.account, instrument.symbol)
        self.widget.depth_label.setText("Waiting for market depth…")

        def answered(note: str) -> None:
            if note:
                self.widget.depth_label.setText(note)

        run_op(self._window.reporter, f"Depth {self.symbol}", self._depth.watch(self.account, instrument),
               on_success=answered)
        tape_label = self.widget.tape_label
        tape_label.setText(f"Time and sales of {instrument.symbol} on {self.account}")
        run_op(self._window.reporter, f"Time and sales {self.symbol}", self._depth.watch_tape(self.account, instrument),
               on_success=lambda note: tape_label.setText(note) if note else None)

    async def _unsubscribe_depth(self) -> None:
        if self._depth_of is not None:
            await self._depth.unwatch(*self._depth_of)
            await self._depth.unwatch_tape(*self._depth_of)

    def _on_depth(self, books: Mapping[str, DepthBook]) -> None:
        book = books.get(self.symbol)
        if book is None:
            return
        if book.note:
            self._has_depth = False
            self._depth_at = None
            self.widget.depth_label.setText(book.note)
            self._show_quote()
            return
        self._has_depth = True
        self._depth_at = time.monotonic()
        self.widget.depth_label.setText(f"Market depth: {len(book.bids)} bid and {len(book.asks)} ask levels.")
        self.model.set_stale(False)
        self.model.set_book(book.bids, book.asks)
        self._follow_market()

    def _on_quotes(self, quotes: Mapping[str, Quote]) -> None:
        quote = quotes.get(self.symbol)
        if quote is not None:
            self._quote = quote
            self._quote_at = time.monotonic()
            self._show_quote()
            self._show_position()

    def _show_quote(self) -> None:
        quote = self._quote
        if quote is None:
            return
        self.model.set_touch(quote.bid, quote.ask, quote.last)
        if not self._has_depth:
            bids = [] if quote.bid is None else [BookLevel(quote.bid, quote.bid_size or Decimal(0))]
            asks = [] if quote.ask is None else [BookLevel(quote.ask, quote.ask_size or Decimal(0))]
            self.model.set_book(bids, asks)
        self._follow_market()

    def _follow_market(self) -> None:
        if not self._centred or self._market_drifted():
            self._centred = True
            self.widget.centre()

    def _market_drifted(self) -> bool:
        """Auto-centre: the market is within 5 rows of an edge. Without it the view stays where it is, unless the
        market has left it altogether and the trader is not at the ladder: he would see empty levels."""
        if self.widget.auto_centre.isChecked():
            return self._off_centre(5)
        return self._off_centre(0) and self.widget.left_alone(KEEP_IN_VIEW_IDLE_S)

    def _off_centre(self, margin: int) -> bool:
        """Return True when the best bid is not at least `margin` rows inside the levels in view."""
        table, model = self.widget.table, self.model
        if model.best_bid is None:
            return False
        row = model.row_of_price(model.best_bid * model.tick)
        if row is None:
            return True
        first = table.rowAt(0)
        last = table.rowAt(table.viewport().height() - 1)
        return not (first + margin <= row <= (last if last >= 0 else row) - margin)

    def _on_orders(self, orders: Mapping[ClientOrderId, Order]) -> None:
        changed = False
        for coid, order in orders.items():
            if order.symbol != self.symbol:
                continue
            changed = True
            if order.is_working:
                self._orders[coid] = order
            else:
                self._orders.pop(coid, None)
        if changed:
            self._show_orders()

    def _show_orders(self) -> None:
        buys: dict[Decimal, Decimal] = {}
        sells: dict[Decimal, Decimal] = {}
        marks: dict[tuple[str, Decimal], str] = {}
        self._own_levels = {(o.side, price.value) for o in self._orders.values()
                            if o.trail is None and (price := o.limit_price or o.stop_price) is not None}
        for order in self._orders.values():
            price = _level_of(order)
            if price is None:
                continue
            side = buys if order.side is Side.BUY else sells
            side[price.value] = side.get(price.value, Decimal(0)) + order.leaves_qty
            if order.trail is not None:  # where the broker's ratchet has brought the stop: it moves by itself
                marks[(order.side.value.lower(), price.value)] = "TS"
            if order.origin is OrderOrigin.PROTECTIVE:  # a native bracket's child, held by the broker
                marks[(order.side.value.lower(), price.value)] = "SL" if order.stop_price is not None else "TP"
        for child in self._held_children():
            exit_side = "sell" if child.entry_side is Side.BUY else "buy"
            marks[(exit_side, child.trigger)] = f"{_LEG_MARK[child.leg]} held"
        self.model.set_orders(buys, sells, marks)

    def _held_children(self) -> list[HeldChild]:
        """The live stop-loss and take-profit children TradeTerm holds for this symbol on this account."""
        if self.account is None:
            return []
        return self._session.view.held_children(self.account, self.symbol)

    def _on_positions(self, positions: Mapping[PositionKey, Position]) -> None:
        if self.account is not None and (self.account, self.symbol) in positions:
            self._position = positions[(self.account, self.symbol)]
            self._show_position()

    def _show_position(self) -> None:
        position = self._position
        if position is None or position.is_flat:
            self.widget.position_label.setText("Flat")
            return
        instrument = position.instrument
        last = None if self._quote is None else self._quote.last
        text = (f"Position {position.quantity.normalize():+f} @ "
                f"{position.avg_cost:.{instrument.price_places}f}")
        if last is not None:
            ticks = ((last - position.avg_cost) / instrument.tick_size).to_integral_value()
            ticks *= 1 if position.quantity > 0 else -1
            money = (last - position.avg_cost) * position.quantity * instrument.multiplier
            text += f"  ·  P&L {ticks:+f} ticks, {money:+.2f} {instrument.currency}"
        self.widget.position_label.setText(text)

    def _check_stale(self) -> None:
        if self.account is None or not self._has_depth or self._depth_at is None:
            return
        now = time.monotonic()
        age = now - self._depth_at
        lost = self._session.view.status(self.account).connection is not ConnectionState.CONNECTED
        stopped = self._quote_at is not None and self._quote_at - self._depth_at > self.stale_after_s
        stale = lost or stopped
        self.model.set_stale(stale)
        if stale:
            self.widget.depth_label.setText(f"Market depth is stale: last book {age:.0f} s ago.")

    # --- trading --------------------------------------------------------------------------------

    def on_level_clicked(self, column: str, price: Decimal) -> None:
        """Cancel own orders on that side and level, else place a limit (stop beyond the market) there."""
        if self.account is None or not self.symbol:
            return
        side = Side.BUY if column == "buy" else Side.SELL
        own = self._own_at(side, price)
        held = [] if own else [c for c in self._held_children() if c.trigger == price and c.entry_side is not side]
        if held:
            self.widget.show_status(f"The {held[0].leg.label} held at {price} is not an order at the broker: "
                                    "it goes when its entry's position is closed or its entry is cancelled.")
            return
        if own:
            for order in own:
                run_op(self._window.reporter, f"Cancel {order.symbol}", self._session.cancel(order.client_order_id),
                       eager=True)
            self.widget.show_status(f"Cancel asked for {len(own)} {side.value.lower()} order(s) at {price}.")
            return
        by_risk = self.widget.sized_by_risk  # the ticket's 'Ladder & chart': unchecked, its Protect row is not read
        wrong = None if by_risk else self.widget.quantity.wrong()
        if wrong is not None:
            self.widget.show_status(f"Not sent: {wrong}", False)
            return
        order_type = self._order_type(side, price)
        quantity = Decimal(self.widget.quantity.value())
        try:
            sized = None if not by_risk else size_click(
                self._session.view, self._window.ticket, self.account, self.symbol, side, order_type, price)
        except SizingError as exc:
            self.widget.show_status(f"Not sent: sizing by risk: {exc.message}", False)
            return
        if sized is not None:
            quantity = sized.quantity
            self.widget.show_sized(sized.quantity)
            self._window.log_view.add("INFO", f"Ladder {side.value.lower()} {self.symbol} @ {price} {sized.note}")
        if not self.widget.armed:
            self._window.ticket.prefill(self.symbol, side, quantity=quantity, price=price, order_type=order_type,
                                        account=str(self.account))
            self.widget.show_status("On the ticket: confirm there (arm one-click to send from the ladder)."
                                    + ("" if sized is None else f" Quantity {sized.note}."))
            return
        if self.widget.moved_within(MOVED_GUARD_S):
            self.widget.show_status(MOVED_UNDER_POINTER.format(what="sent"), False)
            return
        slot = self._session.account(self.account)  # its trading state, without the view's whole AccountStatus
        if slot.trading is TradingState.HALTED:
            self.widget.show_status(f"Not sent: {self.account} is halted — {slot.reason}. "
                                    "Resume trading on the account first.", False)
            return
        bracket = None
        if self.widget.bracketed:
            instrument = self._session.view.instrument(self.symbol, self.account)
            bracket, problems = self._window.ticket.protection_for(side, price, instrument)
            if problems:
                self.widget.show_status("Not sent: " + " ".join(p.message for p in problems), False)
                return
            if bracket is None:
                self.widget.show_status("Not sent: Bracket is on but the ticket's Protect row is empty. Enter a "
                                        "stop-loss and/or target there (in ticks, from the clicked level), or turn "
                                        "Bracket off.", False)
                return
        limit = price if order_type is OrderType.LIMIT else None
        stop = price if order_type is OrderType.STOP else None
        self.send(OrderRequest(self.account, self.symbol, side, quantity, order_type, limit, stop), bracket=bracket)

    def _own_at(self, side: Side, price: Decimal) -> list[Order]:
        if (side, price) not in self._own_levels:
            return []
        return [o for o in self._orders.values() if o.side is side and o.trail is None
                and (o.limit_price or o.stop_price) is not None and (o.limit_price or o.stop_price).value == price]  # type: ignore[union-attr]

    def on_level_dragged(self, column: str, from_price: Decimal, to_price: Decimal) -> None:
        """Move own orders from one level to another: a modify, validated and risk-checked like a new order."""
        side = Side.BUY if column == "buy" else Side.SELL
        own = self._own_at(side, from_price)
        if not own:
            return
        if not self.widget.armed:
            self.widget.show_status("Arm one-click to move orders by dragging them (or modify them in the "
                                    "working-orders blotter).", False)
            return
        if self.widget.moved_within(MOVED_GUARD_S):
            self.widget.show_status(MOVED_UNDER_POINTER.format(what="moved"), False)
            return
        for order in own:
            limit = to_price if order.limit_price is not None else None
            stop = to_price if order.stop_price is not None and order.limit_price is None else None

            def refused(exc: BaseException, order: Order = order) -> None:
                self.widget.show_status(f"Not moved: {order.symbol} {order.side.value.lower()} at {from_price}: "
                                        f"{exc}", False)

            run_op(self._window.reporter, f"Move {order.symbol}",
                   self._session.modify(order.client_order_id, order.quantity.value, limit, stop),
                   on_success=lambda changed: self.widget.show_status(f"Moved: {describe(changed)}",
                                                                      changed.reason == ""),
                   on_error=refused)

    def _order_type(self, side: Side, price: Decimal) -> OrderType:
        quote = self._quote
        if side is Side.BUY and quote is not None and quote.ask is not None and price > quote.ask:
            return OrderType.STOP
        if side is Side.SELL and quote is not None and quote.bid is not None and price < quote.bid:
            return OrderType.STOP
        return OrderType.LIMIT

    def send(self, request: OrderRequest, confirmed_by: str | None = None, bracket: Bracket | None = None) -> None:
        """Send request through the session (validation, risk, journal, broker), with bracket's stop-loss and
        take-profit the way the ticket sends them (native at the broker where it holds them, else held by
        TradeTerm); say on the ladder what became of it."""
        widget = self.widget

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConfirmRequired) and confirmed_by is None:
                ask_held_confirm(widget, "Send order on a held account", str(exc),
                                 lambda: self.send(request, getpass.getuser(), bracket),
                                 lambda: widget.show_status("Not sent: the account is held.", False))
            elif isinstance(exc, OrderRefused):
                widget.show_status(f"Refused: {exc}", False)
            else:
                widget.show_status(f"Not sent: {exc}", False)

        def done(order: Order) -> None:
            if bracket is not None:
                self._show_orders()  # the children TradeTerm holds are journaled with their entry
            widget.show_status(describe(order), order.reason == "")
            self._window.log_view.add("INFO" if order.reason == "" else "WARNING", f"Ladder: {describe(order)}")

        sending = (self._session.submit(request, confirmed_by=confirmed_by) if bracket is None
                   else self._session.submit_bracket(request, bracket, confirmed_by=confirmed_by))
        run_op(self._window.reporter, "Ladder order", sending, on_success=done, on_error=failed, eager=True)

    def cancel_symbol(self) -> None:
        """Esc: cancel every working order of this symbol on this account, after a confirm."""
        orders = list(self._orders.values())
        if self.account is None or not orders:
            self.widget.show_status("No working orders of this symbol on this account.")
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Cancel orders",
                          f"Cancel {len(orders)} working {self.symbol} order(s) on {self.account}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.widget)
        box.setObjectName("ladderView.cancelConfirm")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                for order in orders:
                    run_op(self._window.reporter, f"Cancel {order.symbol}", self._session.cancel(order.client_order_id),
                           eager=True)
                self.widget.show_status(f"Cancel asked for {len(orders)} order(s).")

        box.finished.connect(answered)
        box.open()


def _level_of(order: Order) -> Price | None:
    """Return the level an order rests at on the ladder: its limit, its stop, or a trailing order's current stop
    (the level its trader watches, for a trailing stop-limit too)."""
    if order.trail is not None:
        return order.trail_stop
    return order.limit_price or order.stop_price

"""OrderController: send (alone, with a bracket, or as an OCO or OTO pair), cancel, modify and record fills of
orders from the ticket and the working-orders blotter."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractItemView, QWidget

from core.domain import ClientOrderId, FieldError, Order, OrderRequest
from core.ports.manual_fills import ManualFillOverride
from core.services.session import ConfirmRequired, OrderRefused, TradingSession
from gui.async_op import OpReporter, run_op
from gui.models.orders import limit_stop
from gui.models.table_model import RawRole
from gui.widgets.held_confirm import ask_held_confirm
from gui.widgets.linked_order_row import LinkMode
from gui.widgets.order_ticket import OrderTicketWidget

Log = Callable[[str, str], None]
"""log(level, text): a line in the window's log."""


def describe(order: Order) -> str:
    """Say in one line what became of a sent order: 'BUY 5 AAPL LMT 189.50 — accepted', its prices as the
    Working orders grid shows them (at the instrument's places; a stop's trigger; 'stop → limit')."""
    price = f" {prices}" if (prices := limit_stop(order)) else ""
    head = f"{order.side.value} {order.quantity.value.normalize():f} {order.symbol} {order.order_type.value}{price}"
    tail = f": {order.reason}" if order.reason else ""
    return f"{head} — {order.status.value.replace('_', ' ').lower()}{tail}"


class SentOrdersLine:
    """The ticket's line under Send says what became of the last orders sent, and keeps saying it as they change.

    "BUY 3 AAPL LMT 191.90 — accepted" stayed while Alpaca filled the order a moment later. The line is read
    again every FOLLOW_MS while an order of the last send works; it stops when none does, or when the ticket
    shows something else (a new send, a refusal, an edit that cleared it).
    """

    FOLLOW_MS = 500

    def __init__(self, ticket: OrderTicketWidget) -> None:
        self._ticket = ticket
        self._orders: list[Order] = []
        self._shown = ""
        self._timer = QTimer(ticket, interval=self.FOLLOW_MS, timeout=self._again)

    def show(self, orders: list[Order]) -> None:
        self._orders = orders
        self._say()
        if any(o.is_working for o in orders):
            self._timer.start()

    def _say(self) -> None:
        self._shown = " · ".join(describe(o) for o in self._orders)
        self._ticket.show_result(self._shown, all(o.reason == "" for o in self._orders))

    def _again(self) -> None:
        if self._ticket.result_text() != self._shown:
            self._timer.stop()
            return
        if " · ".join(describe(o) for o in self._orders) != self._shown:
            self._say()
        if not any(o.is_working for o in self._orders):
            self._timer.stop()


class OrderController:
    """Send the ticket's orders; cancel, modify or record a fill of the orders selected in orders_view.

    Dialogs open over parent; what became of each command goes to the ticket and to log.
    """

    def __init__(self, session: TradingSession, reporter: OpReporter, parent: QWidget, ticket: OrderTicketWidget,
                 orders_view: QAbstractItemView, log: Log) -> None:
        self._session = session
        self._reporter = reporter
        self._parent = parent
        self._ticket = ticket
        self._orders_view = orders_view
        self._log = log
        self._follow = SentOrdersLine(ticket)

    # --- the ticket -----------------------------------------------------------------------------

    def submit(self, request: OrderRequest) -> None:
        self.send(request)

    def send(self, request: OrderRequest, confirmed_by: str | None = None) -> None:
        """Send one order; a close on a held account asks the trader first, then goes again as confirmed by them."""
        ticket = self._ticket

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConfirmRequired) and confirmed_by is None:
                ask_held_confirm(self._parent, "Send order on a held account", str(exc),
                                 lambda: self.send(request, getpass.getuser()), self._not_confirmed)
            elif isinstance(exc, OrderRefused):
                ticket.show_field_errors(exc.errors)
            else:
                ticket.show_result(f"Not sent: {exc}", False)
                self._log("ERROR", f"Order not sent: {exc}")

        def done(sent: object) -> None:  # an order, or an OCO's pair; the session says it in the log (action_log.py)
            ticket.order_sent()
            self._follow.show([o for o in (sent if isinstance(sent, tuple) else (sent,)) if isinstance(o, Order)])

        bracket, link = ticket.sent_bracket(), ticket.sent_link()
        sending: Coroutine[Any, Any, Order | tuple[Order, Order]]
        if link is not None and link.mode is LinkMode.OCO:
            sending = self._session.submit_oco(request, link.oco_partner(request), confirmed_by=confirmed_by)
        elif link is not None:
            sending = self._session.submit_oto(request, link.oto, confirmed_by=confirmed_by)
        elif bracket is not None:
            sending = self._session.submit_bracket(request, bracket, confirmed_by=confirmed_by)
        else:
            sending = self._session.submit(request, confirmed_by=confirmed_by)
        run_op(self._reporter, "Send order", sending, on_success=done, on_error=failed, eager=True)

    def _not_confirmed(self) -> None:
        self._ticket.show_result("Not sent: the account is halted.", False)
        self._ticket.rearm()

    # --- the working-orders blotter -------------------------------------------------------------

    def selected_order(self) -> Order | None:
        rows = self._orders_view.selectionModel().selectedRows()
        order = rows[0].data(RawRole) if rows else None
        return order if isinstance(order, Order) else None

    def records_fill_of_selected(self) -> bool:
        """True when the selected order's fills are entered by hand (an e-mail desk order)."""
        order = self.selected_order()
        return order is not None and self._session.view.records_manual_fills(order.account_id)

    def cancel_selected(self) -> None:
        for index in self._orders_view.selectionModel().selectedRows():
            order = index.data(RawRole)
            if isinstance(order, Order):
                coid = ClientOrderId(order.client_order_id)
                run_op(self._reporter, f"Cancel {order.symbol}", self._session.cancel(coid), eager=True)

    def cancel_all(self) -> None:
        run_op(self._reporter, "Cancel all", self._session.cancel_all(), eager=True)  # the session logs it

    def modify_selected(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        from gui.dialogs.modify_order import ModifyOrderDialog  # a dialog: loaded when first opened

        dialog = ModifyOrderDialog(order, self._parent)
        coid = order.client_order_id

        def refused(exc: BaseException) -> None:
            dialog.show_errors(exc.errors if isinstance(exc, OrderRefused) else [FieldError("", str(exc))])

        def done(changed: Order) -> None:  # the session says the modify in the log
            dialog.accept()

        dialog.modify_requested.connect(
            lambda qty, limit, stop: run_op(
                self._reporter, f"Modify {order.symbol}",
                self._session.modify(coid, qty, limit or None, stop or None), on_success=done, on_error=refused)
        )
        dialog.open()

    def record_fill_of_selected(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        from gui.dialogs.manual_fill import ManualFillDialog  # a dialog: loaded when first opened

        dialog = ManualFillDialog(order, parent=self._parent)
        coid = order.client_order_id
        dialog.fillEntered.connect(
            lambda qty, price, ts, reason: run_op(
                self._reporter, f"Record fill {order.symbol}",
                self._session.record_manual_fill(
                    coid, qty, price, ts,
                    None if reason is None else ManualFillOverride(getpass.getuser(), reason)))
        )
        dialog.open()

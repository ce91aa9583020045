"""EmailDeskBroker: orders mailed to a desk that executes them by hand; the trader records the fills."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.adapters.mail.config import DeskConfig, MailConfigError
from core.adapters.mail.desk_state import DeskOrder, DeskState, read_state, write_state
from core.adapters.mail.parsing import cancel_body, cancel_subject, format_qty, order_body, order_subject
from core.adapters.state_json import unwritable
from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    Fill,
    Instrument,
    Money,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderModifyRejected,
    OrderStatus,
    Price,
    Quantity,
    TradeId,
    to_decimal,
)
from core.ports.broker import BrokerOrderState, BrokerPosition, BrokerSnapshot, EventSink, QuoteSink
from core.ports.errors import BrokerApiError, ConnectionLost, InvalidInstrument, OrderRejected, Timeout
from core.ports.mailer import Mailer, MailError, MailMessage
from core.ports.mailer_readiness import MailerReadiness
from core.ports.manual_fills import ManualFillRefused

KIND = "email_desk"
__all__ = ["EmailDeskBroker", "ManualFillRefused", "create"]
FUTURE_TOLERANCE = timedelta(minutes=1)
_FILLABLE = (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_CANCEL, OrderStatus.CANCELED)


class EmailDeskBroker:
    """An account whose orders are mailed to a dealing desk and executed by a person.

    submit mails the order (subject '[TradeTerm] BUY 100 AAPL LMT 189.50', every field in the body)
    and the order then works as ACCEPTED until the trader records executions with `record_fill`
    or cancels it (which mails a cancel). The desk's books are written to `state_path` before any
    event is published, so reconciliation after a restart finds them.

    Events:
        ConnectionChanged(account_id, state, message): CONNECTING then CONNECTED; DISCONNECTED.
        OrderAccepted(client_order_id, broker_order_id): the desk's mail server took the order.
        OrderCanceled(client_order_id, reason): the cancel was mailed.
        OrderModifyRejected(client_order_id, reason): the desk takes no modifications.
        OrderFilled(client_order_id, fill): an execution the trader recorded; fill.trade_id is unique.
    """

    kind: str = KIND
    prices_elsewhere: bool = True
    """core.ports.capabilities.PricedElsewhere: a desk sends no prices; a reference feed prices its orders."""

    def __init__(self, account_id: AccountId, config: DeskConfig, sink: EventSink, mailer: Mailer) -> None:
        self.account_id = AccountId(account_id)
        self._config = config
        self._sink = sink
        self._mailer = mailer
        self._instruments = {i.symbol: i for i in config.instruments}
        self._connected = False
        loaded = read_state(config.state_path, self.account_id) if config.state_path is not None else None
        self._state = loaded or DeskState(self.account_id)
        if loaded is None:
            try:
                self._save()
            except OSError as exc:
                raise unwritable("The e-mail desk's", str(config.state_path), exc) from None

    def instruments(self) -> Sequence[Instrument]:
        """Return the instruments configured for this desk."""
        return tuple(self._instruments.values())

    async def connect(self) -> None:
        """Open the account (no I/O: mail is sent per order)."""
        if self._connected:
            return
        self._sink(ConnectionChanged(self.account_id, ConnectionState.CONNECTING))
        problem = self._mailer.problem() if isinstance(self._mailer, MailerReadiness) else None
        if problem is not None:  # no order could be mailed: say so now, not at the first order
            self._sink(ConnectionChanged(self.account_id, ConnectionState.FAILED, problem))
            raise BrokerApiError(problem)
        self._connected = True
        desk = ", ".join(self._config.desk)
        self._sink(ConnectionChanged(self.account_id, ConnectionState.CONNECTED, f"E-mail desk: orders go to {desk}"))

    async def disconnect(self) -> None:
        if not self._connected:
            return
        self._connected = False
        self._sink(ConnectionChanged(self.account_id, ConnectionState.DISCONNECTED))

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        """Accept the request; a desk sends no quotes."""

    async def submit(self, order: Order) -> None:
        """Mail order to the desk; it then works as ACCEPTED. Raise OrderRejected if it was surely not mailed."""
        self._require_connected("send the order")
        if self._instruments and order.symbol not in self._instruments:
            raise InvalidInstrument(f"The e-mail desk {self.account_id} does not trade {order.symbol}.")
        desk_order = DeskOrder(
            client_order_id=order.client_order_id,
            broker_order_id=self._state.next_broker_order_id(),
            symbol=order.symbol,
            currency=order.instrument.currency,
            side=order.side,
            quantity=order.quantity.value,
            tick_size=order.instrument.tick_size,
            lot_size=order.instrument.lot_size,
            created_at=order.created_at,
            limit_price=order.limit_price.value if order.limit_price is not None else None,
            stop_price=order.stop_price.value if order.stop_price is not None else None,
        )
        message = MailMessage(
            order_subject(order), order_body(order, desk_order.broker_order_id), self._config.desk,
            self._message_id(order.client_order_id, "order"),
        )
        try:
            await self._mailer.send(message)
        except MailError as exc:
            if not exc.maybe_delivered:
                self._save()  # keep the id sequence moving; the order itself was never sent
                raise OrderRejected(
                    f"The order was not mailed to the desk: {exc} Place it again when e-mail works."
                ) from None
            desk_order.status = OrderStatus.ACCEPTED
            self._state.orders[order.client_order_id] = desk_order
            self._save()
            raise Timeout(f"The desk's mail server may or may not have the order: {exc} "
                          "Check with the desk before placing it again.") from None
        desk_order.status = OrderStatus.ACCEPTED
        self._state.orders[order.client_order_id] = desk_order
        self._save()
        self._sink(OrderAccepted(order.client_order_id, desk_order.broker_order_id))

    async def cancel(self, order: Order) -> None:
        """Mail a cancel for the unfilled part; the order is CANCELED once the mail is accepted."""
        self._require_connected("cancel the order")
        desk_order = self._state.orders.get(order.client_order_id)
        if desk_order is None or desk_order.status not in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED):
            raise OrderRejected(f"The desk has no working order {order.client_order_id} to cancel.")
        message = MailMessage(
            cancel_subject(order), cancel_body(order, desk_order.broker_order_id, desk_order.filled_qty),
            self._config.desk, self._message_id(order.client_order_id, "cancel"),
        )
        try:
            await self._mailer.send(message)
        except MailError as exc:
            raise ConnectionLost(f"The cancel was not mailed to the desk: {exc} The order still works there.") from None
        desk_order.status = OrderStatus.CANCELED
        desk_order.reason = "Cancel mailed to the desk."
        self._save()
        self._sink(OrderCanceled(order.client_order_id, desk_order.reason))

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        """Refuse: the desk takes no modifications (cancel, then place a new order)."""
        self._sink(OrderModifyRejected(order.client_order_id,
                                       "The e-mail desk cannot modify orders: cancel it and place a new one."))

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        """Return the desk's books: positions, its orders, and the fills recorded at or after fills_since."""
        state = self._state
        positions = tuple(
            BrokerPosition(symbol, h.quantity, h.avg_cost) for symbol, h in sorted(state.holdings.items())
            if h.quantity != 0
        )
        orders = tuple(
            BrokerOrderState(o.client_order_id, o.broker_order_id, o.symbol, o.side, o.quantity, o.filled_qty,
                             o.status, o.reason, o.limit_price, o.stop_price)
            for o in state.orders.values()
        )
        fills = tuple(f for f in state.fills if fills_since is None or f.ts >= fills_since)
        return BrokerSnapshot(self.account_id, (), positions, orders, fills)

    def working_order(self, client_order_id: ClientOrderId) -> DeskOrder | None:
        """Return the desk's record of an order, or None if the desk never received it."""
        return self._state.orders.get(client_order_id)

    def record_fill(
        self, client_order_id: ClientOrderId, quantity: object, price: object, ts: datetime,
        commission: object = 0,
    ) -> Fill:
        """Record an execution the desk reported; publish OrderFilled. Raise ManualFillRefused if it does not fit."""
        order = self._state.orders.get(client_order_id)
        if order is None:
            raise ManualFillRefused("order", f"The desk has no order {client_order_id}; it was never mailed.")
        if order.status not in _FILLABLE:
            raise ManualFillRefused("order", f"Order {client_order_id} is {order.status.value.lower()}; "
                                             "it cannot take more executions.")
        qty = _number(quantity, "quantity")
        px = _number(price, "price")
        fee = _number(commission, "commission")
        self._check(order, qty, px, fee, ts)
        fill = Fill(
            trade_id=TradeId(f"{order.broker_order_id}-{len(self._state.fills) + 1}-{secrets.token_hex(4)}"),
            client_order_id=client_order_id,
            account_id=self.account_id,
            symbol=order.symbol,
            side=order.side,
            quantity=Quantity(qty),
            price=Price(px),
            commission=Money(fee, order.currency),
            broker_order_id=order.broker_order_id,
            ts=ts.astimezone(UTC),
        )
        self._state.book(fill)
        self._save()
        self._sink(OrderFilled(client_order_id, fill))
        return fill

    @staticmethod
    def _check(order: DeskOrder, qty: Decimal, price: Decimal, fee: Decimal, ts: datetime) -> None:
        if qty <= 0:
            raise ManualFillRefused("quantity", "The executed quantity must be greater than zero.")
        if qty > order.leaves_qty:
            raise ManualFillRefused("quantity", f"Only {format_qty(order.leaves_qty)} of {order.symbol} remain "
                                                f"on this order; the execution cannot exceed that.")
        if qty % order.lot_size != 0:
            raise ManualFillRefused("quantity", f"{order.symbol} trades in lots of {format_qty(order.lot_size)}.")
        if price <= 0:
            raise ManualFillRefused("price", "The execution price must be greater than zero.")
        if price % order.tick_size != 0:
            raise ManualFillRefused("price", f"{order.symbol} ticks in {format_qty(order.tick_size)}; "
                                             f"{price} is not on a tick.")
        if fee < 0:
            raise ManualFillRefused("commission", "The commission cannot be negative.")
        if ts.tzinfo is None:
            raise ManualFillRefused("time", "The execution time needs a time zone.")
        if ts > datetime.now(UTC) + FUTURE_TOLERANCE:
            raise ManualFillRefused("time", "The execution time is in the future.")
        if ts < order.created_at - FUTURE_TOLERANCE:
            raise ManualFillRefused("time", "The execution time is before the order was placed.")

    def _message_id(self, client_order_id: ClientOrderId, what: str) -> str:
        return f"{what}.{client_order_id}.{secrets.token_hex(4)}@tradeterm"

    def _save(self) -> None:
        if self._config.state_path is not None:
            write_state(self._config.state_path, self._state)

    def _require_connected(self, action: str) -> None:
        if not self._connected:
            raise ConnectionLost(f"E-mail desk {self.account_id} is not connected; connect it, then {action} again.")


def _number(raw: object, field: str) -> Decimal:
    try:
        return to_decimal(raw, field)
    except (TypeError, ValueError):
        raise ManualFillRefused(field, f"{raw!r} is not a number.") from None


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink, *,
           quotes: QuoteSink | None = None) -> EmailDeskBroker:
    """Build a desk account; settings hold DeskConfig fields plus "mailer", the app's Mailer (not persisted).

    quotes is not used: the desk quotes no prices.
    """
    values = dict(settings)
    mailer = values.pop("mailer", None)
    if not isinstance(mailer, Mailer):
        raise MailConfigError("mailer", f"E-mail desk {account_id} needs the e-mail settings (SMTP server): "
                                        "set them up under Settings > E-mail first.")
    return EmailDeskBroker(account_id, DeskConfig.from_mapping(values), sink, mailer)

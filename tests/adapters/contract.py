"""The broker contract: what every BrokerAdapter must do, asserted as a trader would notice it.

Use it from a `test_*.py` module: subclass `BrokerContract` and override the `subject` fixture to
yield a `ContractSubject` whose adapter is built (simulator started) but not yet connected, and
whose `instrument` the account trades. The suite connects, subscribes, trades one lot at a time
and disconnects. Orders are driven through `Order.apply` as the OMS would, so an event sequence
the transition table forbids fails the contract.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import pytest

from core.domain import (
    ConnectionChanged,
    ConnectionState,
    Event,
    Instrument,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderPendingCancel,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Quote,
    Side,
)
from core.ports.broker import BrokerAdapter
from core.ports.errors import ConnectionLost, InvalidInstrument
from tests.factories import make_instrument, make_order

E = TypeVar("E", bound=Event)


class EventRecorder:
    """An EventSink that keeps every event, and waits for the one a test expects."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of_type(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    def for_order(self, order: Order) -> list[OrderEvent]:
        return [e for e in self.of_type(OrderEvent) if e.client_order_id == order.client_order_id]

    async def wait_for(self, kind: type[E], where: Callable[[E], bool] = lambda _: True, timeout: float = 5.0) -> E:
        """Return the first recorded event of kind that satisfies where, polling until timeout."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for event in self.of_type(kind):
                if where(event):
                    return event
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {kind.__name__} matching the condition within {timeout} s")
            await asyncio.sleep(0.005)

    def apply_to(self, order: Order) -> None:
        """Apply the order's events not yet applied, in the order they were published."""
        for event in self.for_order(order):
            if not any(event is seen for seen in order.events):
                order.apply(event)


@dataclass
class ContractSubject:
    adapter: BrokerAdapter
    events: EventRecorder
    instrument: Instrument


class BrokerContract:
    """Every adapter (paper, IB, Kite, easytrader against their simulators) passes these tests."""

    timeout: float = 5.0
    resting_fraction: Decimal = Decimal("0.05")
    """How far below the bid (as a fraction) a buy limit is placed so that it rests."""

    @pytest.fixture
    async def subject(self) -> AsyncIterator[ContractSubject]:
        raise NotImplementedError("override the subject fixture")
        yield  # pragma: no cover

    @pytest.fixture
    async def connected(self, subject: ContractSubject) -> AsyncIterator[ContractSubject]:
        await subject.adapter.connect()
        await subject.adapter.subscribe([subject.instrument])
        yield subject
        await subject.adapter.disconnect()

    # --- helpers -------------------------------------------------------------------------------

    async def quote(self, s: ContractSubject) -> Quote:
        """Return the newest two-sided quote of the subject's instrument, waiting for one."""
        symbol = s.instrument.symbol

        def two_sided(q: Quote) -> bool:
            return q.symbol == symbol and q.bid is not None and q.ask is not None

        await s.events.wait_for(Quote, two_sided, self.timeout)
        return [q for q in s.events.of_type(Quote) if two_sided(q)][-1]

    def order(self, s: ContractSubject, limit: Decimal, side: Side = Side.BUY, symbol: str | None = None) -> Order:
        """Return a one-lot limit order as the OMS hands it to an adapter (SUBMITTED)."""
        instrument = s.instrument
        if symbol is not None:
            instrument = make_instrument(symbol=symbol, currency=instrument.currency)
        order = make_order(
            instrument=instrument,
            side=side,
            quantity=str(s.instrument.lot_size),
            order_type=OrderType.LIMIT,
            limit_price=str(s.instrument.make_price(limit).value),
            account_id=s.adapter.account_id,
        )
        order.apply(OrderSubmitted(order.client_order_id))
        return order

    async def marketable_buy(self, s: ContractSubject) -> Order:
        quote = await self.quote(s)
        assert quote.ask is not None
        return self.order(s, quote.ask + 5 * s.instrument.tick_size)

    async def resting_buy(self, s: ContractSubject) -> Order:
        quote = await self.quote(s)
        assert quote.bid is not None
        return self.order(s, quote.bid * (1 - self.resting_fraction))

    async def until_status(self, s: ContractSubject, order: Order, status: OrderStatus) -> None:
        def reached(_: Event) -> bool:
            s.events.apply_to(order)
            return order.status is status

        await s.events.wait_for(Event, reached, self.timeout)

    async def cancel(self, s: ContractSubject, order: Order) -> None:
        order.apply(OrderPendingCancel(order.client_order_id))
        await s.adapter.cancel(order)

    # --- the contract --------------------------------------------------------------------------

    async def test_connect_reports_connected_then_disconnected(self, subject: ContractSubject) -> None:
        await subject.adapter.connect()
        states = [e.state for e in subject.events.of_type(ConnectionChanged)]
        assert states[0] is ConnectionState.CONNECTING
        assert states[-1] is ConnectionState.CONNECTED
        await subject.adapter.disconnect()
        assert subject.events.of_type(ConnectionChanged)[-1].state is ConnectionState.DISCONNECTED

    async def test_subscribed_instrument_gets_quotes_with_bid_at_or_below_ask_on_tick(
        self, connected: ContractSubject
    ) -> None:
        instrument = connected.instrument
        symbol = instrument.symbol
        await connected.events.wait_for(Quote, lambda _: len(
            [q for q in connected.events.of_type(Quote) if q.symbol == symbol and q.bid is not None]) >= 3,
            self.timeout)
        quotes = [q for q in connected.events.of_type(Quote) if q.symbol == symbol]
        for quote in quotes:
            if quote.bid is None and quote.ask is None:  # a tick of other fields (a trade's last): QuoteCache merges it
                assert (quote.last, quote.close, quote.volume) != (None, None, None)
                assert quote.last is None or (quote.last > 0 and instrument.is_on_tick(quote.last))
                continue
            assert quote.bid is not None and quote.ask is not None
            assert 0 < quote.bid <= quote.ask
            assert instrument.is_on_tick(quote.bid) and instrument.is_on_tick(quote.ask)
        assert {q.symbol for q in connected.events.of_type(Quote)} == {symbol}
        # Each quote names its feed, so positions and risk of this account use this account's prices.
        assert {q.source for q in connected.events.of_type(Quote)} == {connected.adapter.account_id}

    async def test_marketable_limit_buy_fills_with_our_client_order_id(self, connected: ContractSubject) -> None:
        order = await self.marketable_buy(connected)
        await connected.adapter.submit(order)
        await self.until_status(connected, order, OrderStatus.FILLED)
        kinds = [type(e) for e in connected.events.for_order(order)]
        assert kinds[0] is OrderAccepted
        fills = [e.fill for e in connected.events.for_order(order) if isinstance(e, OrderFilled)]
        assert all(f.client_order_id == order.client_order_id for f in fills)
        assert sum(f.quantity.value for f in fills) == order.quantity.value
        assert order.limit_price is not None and order.avg_fill_price is not None
        assert order.avg_fill_price <= order.limit_price.value
        assert not order.needs_reconciliation

    async def test_every_fill_has_its_own_trade_id(self, connected: ContractSubject) -> None:
        orders = [await self.marketable_buy(connected) for _ in range(2)]
        for order in orders:
            await connected.adapter.submit(order)
        for order in orders:
            await self.until_status(connected, order, OrderStatus.FILLED)
        trade_ids = [e.fill.trade_id for e in connected.events.of_type(OrderFilled)]
        assert len(trade_ids) >= 2
        assert len(set(trade_ids)) == len(trade_ids)

    async def test_resting_limit_can_be_canceled_and_is_reported_canceled(self, connected: ContractSubject) -> None:
        order = await self.resting_buy(connected)
        await connected.adapter.submit(order)
        await self.until_status(connected, order, OrderStatus.ACCEPTED)
        await self.cancel(connected, order)
        await self.until_status(connected, order, OrderStatus.CANCELED)
        snapshot = await connected.adapter.snapshot()
        states = [o for o in snapshot.orders if o.client_order_id == order.client_order_id]
        assert [o.status for o in states] == [OrderStatus.CANCELED]
        assert states[0].filled_qty == 0

    async def test_snapshot_lists_the_position_and_the_order(self, connected: ContractSubject) -> None:
        symbol = connected.instrument.symbol
        before = await connected.adapter.snapshot()
        held_before = sum((p.quantity for p in before.positions if p.symbol == symbol), Decimal(0))
        order = await self.marketable_buy(connected)
        await connected.adapter.submit(order)
        await self.until_status(connected, order, OrderStatus.FILLED)
        after = await connected.adapter.snapshot()
        held_after = sum((p.quantity for p in after.positions if p.symbol == symbol), Decimal(0))
        assert held_after - held_before == order.quantity.value
        mine = [o for o in after.orders if o.client_order_id == order.client_order_id]
        assert len(mine) == 1
        assert mine[0].status is OrderStatus.FILLED and mine[0].filled_qty == order.quantity.value
        assert mine[0].broker_order_id == order.broker_order_id
        fill_ids = {e.fill.trade_id for e in connected.events.for_order(order) if isinstance(e, OrderFilled)}
        assert fill_ids <= {f.trade_id for f in after.fills}
        assert any(m.currency == connected.instrument.currency for m in after.cash)

    async def test_unknown_symbol_is_refused_with_invalid_instrument(self, connected: ContractSubject) -> None:
        quote = await self.quote(connected)
        assert quote.bid is not None
        order = self.order(connected, quote.bid, symbol="NOSUCH1")
        with pytest.raises(InvalidInstrument, match="NOSUCH1"):
            await connected.adapter.submit(order)
        assert connected.events.for_order(order) == []

    async def test_second_cancel_is_refused_not_crashed(self, connected: ContractSubject) -> None:
        order = await self.resting_buy(connected)
        await connected.adapter.submit(order)
        await self.until_status(connected, order, OrderStatus.ACCEPTED)
        await connected.adapter.cancel(order)
        await connected.events.wait_for(OrderCanceled, lambda e: e.client_order_id == order.client_order_id)
        await connected.adapter.cancel(order)
        refusal = await connected.events.wait_for(
            OrderCancelRejected, lambda e: e.client_order_id == order.client_order_id, self.timeout
        )
        assert refusal.reason
        snapshot = await connected.adapter.snapshot()
        assert [o.status for o in snapshot.orders if o.client_order_id == order.client_order_id] == [
            OrderStatus.CANCELED
        ]

    async def test_submit_while_disconnected_raises_connection_lost(self, subject: ContractSubject) -> None:
        order = self.order(subject, Decimal(100))
        with pytest.raises(ConnectionLost):
            await subject.adapter.submit(order)
        await subject.adapter.connect()
        snapshot = await subject.adapter.snapshot()
        assert all(o.client_order_id != order.client_order_id for o in snapshot.orders)
        await subject.adapter.disconnect()

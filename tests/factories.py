"""Test factories: every argument has a default, so a test names only what it is about."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from core.domain import (
    AccountId,
    AssetClass,
    ClientOrderId,
    Fill,
    Instrument,
    Money,
    Order,
    OrderType,
    Price,
    Quantity,
    Side,
    TimeInForce,
    TradeId,
)
from core.domain.product import Product

_trade_seq = itertools.count(1)
ACCOUNT = AccountId("PAPER-1")


def make_instrument(
    symbol: str = "AAPL",
    currency: str = "USD",
    tick_size: str = "0.01",
    lot_size: str = "1",
    multiplier: str = "1",
    asset_class: AssetClass = AssetClass.STOCK,
    venue: str = "SMART",
    margin_rate: Decimal | None = None,
) -> Instrument:
    return Instrument(
        symbol=symbol,
        venue=venue,
        currency=currency,
        tick_size=Decimal(tick_size),
        lot_size=Decimal(lot_size),
        multiplier=Decimal(multiplier),
        asset_class=asset_class,
        margin_rate=margin_rate,
    )


def make_order(
    instrument: Instrument | None = None,
    side: Side = Side.BUY,
    quantity: str = "100",
    order_type: OrderType = OrderType.LIMIT,
    limit_price: str | None = "100.00",
    stop_price: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    account_id: AccountId = ACCOUNT,
    client_order_id: str | None = None,
    product: Product | None = None,
) -> Order:
    return Order(
        client_order_id=ClientOrderId(client_order_id) if client_order_id else ClientOrderId.generate(),
        account_id=account_id,
        instrument=instrument or make_instrument(),
        side=side,
        quantity=Quantity(quantity),
        order_type=order_type,
        limit_price=Price(limit_price) if limit_price is not None and order_type.needs_limit else None,
        stop_price=Price(stop_price) if stop_price is not None else None,
        tif=tif,
        product=product,
    )


def make_fill(
    order: Order | None = None,
    quantity: str = "100",
    price: str = "100.00",
    side: Side | None = None,
    symbol: str | None = None,
    commission: str = "0",
    account_id: AccountId | None = None,
    trade_id: str | None = None,
    ts: datetime | None = None,
) -> Fill:
    currency = order.instrument.currency if order else "USD"
    return Fill(
        trade_id=TradeId(trade_id or f"T-{next(_trade_seq)}"),
        client_order_id=order.client_order_id if order else None,
        account_id=account_id or (order.account_id if order else ACCOUNT),
        symbol=symbol or (order.symbol if order else "AAPL"),
        side=side or (order.side if order else Side.BUY),
        quantity=Quantity(quantity),
        price=Price(price),
        commission=Money(commission, currency),
        ts=ts or datetime.now(UTC),
    )

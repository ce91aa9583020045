"""The session refuses a time in force or order type the account does not take, before journaling or sending it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.domain import OrderRequest, OrderType, Side, TimeInForce
from core.services.session import OrderRefused, TradingSession
from tests.unit import paper_desk
from tests.unit.paper_desk import ACCOUNT

session = paper_desk.session_fixture()


async def test_a_paper_account_refuses_opg_and_market_if_touched_before_any_order_exists(
        session: TradingSession) -> None:
    with pytest.raises(OrderRefused) as opg:
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.MARKET, tif=TimeInForce.OPG))
    assert [(e.field, e.message) for e in opg.value.errors] == [
        ("tif", f"{ACCOUNT} does not take time in force OPG: choose one of DAY, GTC, IOC.")]
    with pytest.raises(OrderRefused) as mit:
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.MARKET_IF_TOUCHED,
                                          stop_price="100.00"))
    assert [e.field for e in mit.value.errors] == ["order_type"]
    assert "MIT" in mit.value.errors[0].message
    assert session.oms.orders() == []


async def test_a_gtd_order_needs_its_end_and_no_other_takes_one(session: TradingSession) -> None:
    with pytest.raises(OrderRefused) as gtd:
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, "100.00",
                                          tif=TimeInForce.GTD))
    assert [e.field for e in gtd.value.errors] == ["expire_at"]
    with pytest.raises(OrderRefused) as day:
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, "100.00",
                                          expire_at=datetime.now(UTC) + timedelta(hours=1)))
    assert [(e.field, e.message) for e in day.value.errors] == [
        ("expire_at", "Only a GTD order takes an expiry: clear it, or choose GTD.")]


async def test_a_gtd_order_read_back_without_its_end_can_still_be_changed(session: TradingSession) -> None:
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT,
                                              quote.bid - Decimal("2.00")))
    order.tif = TimeInForce.GTD  # as the journal gives back an OANDA GTD order: no end time kept
    await session.modify(order.client_order_id, "12", order.limit_price.value)  # type: ignore[union-attr]
    assert order.quantity.value == 12 and order.tif is TimeInForce.GTD

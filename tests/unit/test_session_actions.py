"""The session says each trader command once (LogMessage) and removes an account only once its orders are done."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import LogMessage, Order, OrderOrigin, OrderRequest, OrderStatus, OrderType, Side
from core.services.accounts import REMOVE_ACCOUNT_AUDIT, AccountInUse
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.unit import paper_desk
from tests.unit.paper_desk import ACCOUNT

session = paper_desk.session_fixture()


def said(session: TradingSession) -> list[str]:
    lines: list[str] = []
    session.bus.subscribe(LogMessage, lambda event: lines.append(event.text))
    return lines


async def resting_buy(session: TradingSession, origin: OrderOrigin = OrderOrigin.MANUAL, below: str = "2.00") -> Order:
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    return await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT,
                                             limit_price=quote.bid - Decimal(below), origin=origin))


async def test_send_modify_cancel_and_cancel_all_are_each_said_once(session: TradingSession) -> None:
    lines = said(session)
    order = await resting_buy(session)
    limit = order.limit_price.value  # type: ignore[union-attr]
    assert lines == [f"Order BUY 10 AAPL LMT {limit} on {ACCOUNT} (manual): accepted"]
    await session.modify(order.client_order_id, "4", limit)
    assert lines[1:] == [f"Modify BUY 10 AAPL LMT {limit} on {ACCOUNT} -> BUY 4 AAPL LMT {limit} on {ACCOUNT}: "
                         "accepted"]
    await session.cancel(order.client_order_id)
    assert lines[2:] == [f"Cancel BUY 4 AAPL LMT {limit} on {ACCOUNT}: asked"]
    await resting_buy(session, below="2.50")
    assert await session.cancel_all() == 1
    assert lines[4:] == ["Cancel all: asked for 1 working order(s)."]


async def test_a_risk_refusal_is_said_with_its_reason_and_a_strategy_intake_is_not_said(
        session: TradingSession) -> None:
    lines = said(session)
    with pytest.raises(OrderRefused):
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price="1.00"))
    assert len(lines) == 1 and lines[0].startswith(f"Order BUY 10 AAPL on {ACCOUNT} refused: ")
    assert "collar" in lines[0]
    await resting_buy(session, OrderOrigin.STRATEGY, below="3.00")
    assert len(lines) == 1


async def test_an_account_with_working_orders_is_not_removed_then_is_once_they_are_canceled(
        session: TradingSession) -> None:
    order = await resting_buy(session)
    with pytest.raises(AccountInUse, match="1 working order"):
        await session.remove_account(ACCOUNT, "ana")
    assert ACCOUNT in session.account_ids()
    await session.cancel(order.client_order_id)
    assert order.status is OrderStatus.CANCELED
    lines = said(session)
    await session.remove_account(ACCOUNT, "ana")
    assert ACCOUNT not in session.account_ids()
    assert lines[-1] == f"Removed account {ACCOUNT} (paper), by ana."
    journal = session.journal
    assert isinstance(journal, SqliteJournal)
    assert [(e.actor, e.detail) for e in journal.audit_entries((REMOVE_ACCOUNT_AUDIT,))] == [
        ("ana", f"{ACCOUNT} (paper)")]

"""Numbers typed into the modify dialog reach the session as text: it refuses what it cannot read, naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.services.bus import EventBus
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[TradingSession]:
    bus = EventBus()
    made = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    made.add_account(PaperBroker(ACCOUNT, config, bus.publish))
    made.restore()
    await made.connect(ACCOUNT)
    yield made
    await made.close()
    made.journal.close()


@pytest.mark.parametrize(("quantity", "price_text", "field"), [
    ("1,5", None, "quantity"), ("1e1000000", None, "quantity"), ("١٢", None, "quantity"), ("1_0", None, "quantity"),
    ("10", "1E-999999999", "limit_price"), ("10", "1,50", "limit_price"), ("10", "１．５", "limit_price"),
])
async def test_a_modify_with_a_number_it_cannot_read_is_refused_naming_the_field(
    session: TradingSession, quantity: str, price_text: str | None, field: str
) -> None:
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    price = quote.bid - Decimal(2)
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=price))
    with pytest.raises(OrderRefused) as caught:
        await session.modify(order.client_order_id, quantity, price_text if price_text is not None else str(price))
    assert [problem.field for problem in caught.value.errors] == [field]
    assert order.status is OrderStatus.ACCEPTED and order.quantity.value == 10 and order.limit_price is not None
    assert order.limit_price.value == price

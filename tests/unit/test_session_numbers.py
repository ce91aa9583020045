"""Numbers typed into the modify dialog reach the session as text: it refuses what it cannot read, naming the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import OrderRequest, OrderStatus, OrderType, Side
from core.services.session import OrderRefused, TradingSession
from tests.unit import paper_desk
from tests.unit.paper_desk import ACCOUNT

session = paper_desk.session_fixture()


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

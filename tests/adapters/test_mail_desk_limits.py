"""Executions recorded by hand on the e-mail desk are held to their order's limit unless a person overrides it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.mail.desk import ManualFillRefused
from core.domain import OrderRequest, OrderStatus, OrderType, Quote, Side
from core.ports.manual_fills import MANUAL_FILL_OVERRIDE_AUDIT, ManualFillOverride
from tests.adapters.test_mail_desk import DESK, Desk, buy_aapl, open_desk
from tests.sims.smtp import SmtpSim
from tests.sims.smtp_fixtures import (  # noqa: F401  (pytest fixtures)
    fixture_ca,
    fixture_ca_file,
    fixture_server_tls,
    fixture_starttls_sim,
)


@pytest.fixture
async def desk(tmp_path: Path, starttls_sim: SmtpSim, ca_file: str) -> AsyncIterator[Desk]:
    d = await open_desk(tmp_path, starttls_sim, ca_file)
    yield d
    await d.session.close()
    d.journal.close()


def position_qty(desk: Desk) -> object:
    position = desk.session.portfolio.position(DESK, "AAPL")
    return None if position is None else position.quantity


@pytest.mark.parametrize(
    ("side", "limit", "price", "word"),
    [
        (Side.BUY, "185.00", "250.00", "above"),
        (Side.BUY, "185.00", "185.01", "above"),  # one tick past the limit
        (Side.SELL, "185.00", "184.99", "below"),
    ],
)
async def test_a_fill_beyond_the_limit_is_refused_naming_the_price(
    desk: Desk, side: Side, limit: str, price: str, word: str
) -> None:
    order = await desk.session.submit(OrderRequest(DESK, "AAPL", side, "10", OrderType.LIMIT, limit_price=limit))
    with pytest.raises(ManualFillRefused, match=f"{word} the {side.value} limit order's limit of 185") as caught:
        await desk.session.record_manual_fill(order.client_order_id, "10", price, datetime.now(UTC))
    assert caught.value.field == "price"
    assert "Record beyond the limit" in str(caught.value), "the message says what to do"
    assert order.filled_qty == 0 and order.status is OrderStatus.ACCEPTED
    assert position_qty(desk) is None, "nothing was booked"


async def test_a_fill_at_the_limit_or_better_is_booked(desk: Desk) -> None:
    order = await desk.session.submit(buy_aapl("20", "185.00"))
    await desk.session.record_manual_fill(order.client_order_id, "10", "185.00", datetime.now(UTC))
    await desk.session.record_manual_fill(order.client_order_id, "10", "184.99", datetime.now(UTC))
    assert order.status is OrderStatus.FILLED
    assert position_qty(desk) == 20


async def test_a_stop_limit_fill_beyond_its_limit_is_refused(desk: Desk) -> None:
    # A stop order is valued against the market: the desk quotes none, so a reference feed's quote stands in.
    desk.session.bus.publish(Quote("AAPL", Decimal("184.90"), Decimal("185.10"), Decimal("185.00"), source=DESK))
    order = await desk.session.submit(OrderRequest(DESK, "AAPL", Side.BUY, "10", OrderType.STOP_LIMIT,
                                                   limit_price="186.00", stop_price="185.00"))
    assert order.status is OrderStatus.ACCEPTED, order.reason
    with pytest.raises(ManualFillRefused, match="stop-limit order's limit of 186") as caught:
        await desk.session.record_manual_fill(order.client_order_id, "10", "186.01", datetime.now(UTC))
    assert caught.value.field == "price"
    await desk.session.record_manual_fill(order.client_order_id, "10", "186.00", datetime.now(UTC))
    assert order.status is OrderStatus.FILLED


async def test_an_override_books_the_fill_and_audits_who_and_why(desk: Desk) -> None:
    order = await desk.session.submit(buy_aapl("10", "185.00"))
    with pytest.raises(ManualFillRefused, match="Say why") as caught:
        await desk.session.record_manual_fill(order.client_order_id, "10", "250.00", datetime.now(UTC),
                                              ManualFillOverride("alice", "  "))
    assert caught.value.field == "reason" and order.filled_qty == 0
    await desk.session.record_manual_fill(order.client_order_id, "10", "250.00", datetime.now(UTC),
                                          ManualFillOverride("alice", "desk confirmed by phone: gap at the open"))
    assert order.status is OrderStatus.FILLED and position_qty(desk) == 10
    (entry,) = desk.journal.audit_entries([MANUAL_FILL_OVERRIDE_AUDIT])
    assert entry.actor == "alice"
    assert "250.00" in entry.detail and "185.00" in entry.detail
    assert "desk confirmed by phone: gap at the open" in entry.detail


async def test_an_override_never_books_more_than_is_open(desk: Desk) -> None:
    order = await desk.session.submit(buy_aapl("10", "185.00"))
    with pytest.raises(ManualFillRefused, match="Only 10 of AAPL remain open") as caught:
        await desk.session.record_manual_fill(order.client_order_id, "11", "185.00", datetime.now(UTC),
                                              ManualFillOverride("alice", "more"))
    assert caught.value.field == "quantity" and order.filled_qty == 0

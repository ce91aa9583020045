"""An OCO that closes a position on a held account asks the trader first, as any closing order does: refused with
ConfirmRequired (nothing journaled), then sent once confirmed, the override audited; opening OCOs stay refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import OrderOrigin, OrderRequest, OrderStatus, OrderType, Side, TradingState
from core.services.risk import HoldCause
from core.services.session import REDUCE_WHILE_HELD_AUDIT, ConfirmRequired, OrderRefused
from tests.unit.held_world import A1, HeldWorld


def _exit_pair(world: HeldWorld, origin: OrderOrigin) -> tuple[OrderRequest, OrderRequest]:
    bid = world.paper_bid()
    target = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.LIMIT, limit_price=str(bid + 5), origin=origin)
    stop = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.STOP, stop_price=str(bid - 5), origin=origin)
    return target, stop


async def test_a_closing_oco_on_a_held_account_asks_then_goes_out_confirmed_and_audited(world: HeldWorld) -> None:
    await world.session.submit(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.MARKET))
    before = len(world.journal.load().orders)
    world.session.risk.hold(A1, HoldCause.DAILY_LOSS, TradingState.REDUCING, "Daily loss beyond the limit.")
    target, stop = _exit_pair(world, OrderOrigin.CLOSE)
    with pytest.raises(ConfirmRequired, match="REDUCING: Daily loss beyond the limit"):
        await world.session.submit_oco(target, stop)
    assert len(world.journal.load().orders) == before, "nothing journaled before the trader confirms"
    first, second = await world.session.submit_oco(target, stop, confirmed_by="ana")
    assert first.status is second.status is OrderStatus.ACCEPTED
    audited = world.journal.audit_entries([REDUCE_WHILE_HELD_AUDIT])
    assert [e.actor for e in audited] == ["ana", "ana"]
    assert [e.detail.endswith(f"({order.client_order_id})") for e, order in zip(audited, (first, second),
                                                                                 strict=True)] == [True, True]


async def test_an_opening_oco_on_a_held_account_is_refused_even_confirmed(world: HeldWorld) -> None:
    world.session.risk.hold(A1, HoldCause.DAILY_LOSS, TradingState.REDUCING, "Daily loss beyond the limit.")
    target, stop = _exit_pair(world, OrderOrigin.MANUAL)
    with pytest.raises(OrderRefused) as refused:
        await world.session.submit_oco(target, stop, confirmed_by="ana")
    assert not isinstance(refused.value, ConfirmRequired)
    assert Decimal(0) == world.position()

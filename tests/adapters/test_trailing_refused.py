"""A broker without trailing stops (Kite) is never sent one, nor a trailing stop-limit: the session refuses it, says
what to use instead, and journals nothing; the broker sees no order."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.domain import OrderRequest, OrderType, Side
from core.services.session import OrderRefused
from tests.adapters.test_kite_realism import session_on
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_fixture

sim = sim_fixture()


async def test_a_trailing_stop_for_kite_is_refused_clearly_and_nothing_is_sent(
    sim: KiteSimulator, tmp_path: Path
) -> None:
    session, adapter = await session_on(sim, tmp_path)
    try:
        request = OrderRequest(adapter.account_id, "INFY", Side.SELL, "1", OrderType.TRAIL, trail_amount="5")
        with pytest.raises(OrderRefused, match=r"cannot take a trailing stop.*Use a stop order") as refused:
            await session.submit(request)
        assert refused.value.errors[0].field == "order_type"
        assert session.journal.load().orders == ()
        assert sim.exchange.order_list() == []
    finally:
        await session.close()
        await adapter.disconnect()
        session.journal.close()


async def test_a_trailing_stop_limit_for_kite_is_refused_clearly_and_nothing_is_sent(
    sim: KiteSimulator, tmp_path: Path
) -> None:
    session, adapter = await session_on(sim, tmp_path)
    try:
        request = OrderRequest(adapter.account_id, "INFY", Side.SELL, "1", OrderType.TRAIL_LIMIT, trail_amount="5",
                               trail_limit_offset="0.5")
        with pytest.raises(OrderRefused, match=r"cannot take a trailing stop-limit.*or a stop-limit moved by hand"):
            await session.submit(request)
        assert session.journal.load().orders == ()
        assert sim.exchange.order_list() == []
    finally:
        await session.close()
        await adapter.disconnect()
        session.journal.close()

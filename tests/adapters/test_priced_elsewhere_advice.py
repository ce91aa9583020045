"""An easytrader account has no prices of its own: a refusal for want of a quote says to choose a reference feed,
not to wait for quotes that never come."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.domain import AccountId, OrderRequest, OrderType, Side
from core.services.session import OrderRefused
from tests.sims.easytrader import EasytraderSimulator
from tests.sims.easytrader.testing import connected_session

CN = AccountId("CN-1")


@pytest.fixture
def easytrader_sim() -> Iterator[EasytraderSimulator]:
    with EasytraderSimulator() as sim:
        yield sim


async def test_an_order_without_a_quote_is_told_to_choose_a_reference_feed(
    easytrader_sim: EasytraderSimulator, tmp_path: Path
) -> None:
    session = await connected_session(easytrader_sim, tmp_path, CN)
    try:
        with pytest.raises(OrderRefused) as refused:
            await session.submit(OrderRequest(CN, "600000", Side.BUY, "100", OrderType.LIMIT, "7.50"))
        assert str(refused.value) == ("No quote for 600000 to check the limit price against: CN-1's broker sends no "
                                      "prices: choose a reference feed for it (Reference feeds in the toolbar).")
        session.references.choose(CN, "PAPER-1")  # chosen, its quotes not come yet: then waiting helps
        with pytest.raises(OrderRefused) as waiting:
            await session.submit(OrderRequest(CN, "600000", Side.BUY, "100", OrderType.LIMIT, "7.50"))
        assert str(waiting.value).endswith(": wait for quotes.")
    finally:
        await session.close()

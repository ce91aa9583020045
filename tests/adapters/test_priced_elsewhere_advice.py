"""An easytrader account has no prices of its own: a refusal for want of a quote says to choose a reference feed,
not to wait for quotes that never come."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.easytrader.config import EasytraderConfig
from core.domain import AccountId, OrderRequest, OrderType, Side
from core.services.bus import EventBus
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.easytrader import EasytraderSimulator
from tests.sims.easytrader.testing import sim_credentials, sim_settings

CN = AccountId("CN-1")


@pytest.fixture
def easytrader_sim() -> Iterator[EasytraderSimulator]:
    with EasytraderSimulator() as sim:
        yield sim


async def test_an_order_without_a_quote_is_told_to_choose_a_reference_feed(
    easytrader_sim: EasytraderSimulator, tmp_path: Path
) -> None:
    session = TradingSession(bus := EventBus(), SqliteJournal(tmp_path / "journal.sqlite"))
    settings = sim_settings(easytrader_sim, order_map_path=str(tmp_path / "orders.json"))
    session.add_account(EasytraderBroker(CN, EasytraderConfig.from_mapping(settings), bus.publish,
                                         sim_credentials(easytrader_sim)))
    await session.connect(CN)
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

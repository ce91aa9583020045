"""The broker contract, run against EasytraderBroker talking through easytrader's RemoteClient to the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.easytrader.config import EasytraderConfig
from core.adapters.easytrader.parsing import instrument_for
from core.domain import AccountId, LogMessage, Quote
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.easytrader import EasytraderSimulator
from tests.sims.easytrader.testing import sim_credentials, sim_settings


class TestEasytraderContract(BrokerContract):
    """easytrader has no market data: the helpers read prices from the simulated market instead."""

    symbol = "600000"
    client_type = "universal_client"

    @pytest.fixture
    def sim(self) -> Iterator[EasytraderSimulator]:
        with EasytraderSimulator() as sim:
            yield sim

    @pytest.fixture
    async def subject(self, sim: EasytraderSimulator, tmp_path: Path) -> AsyncIterator[ContractSubject]:
        events = EventRecorder()
        settings = sim_settings(sim, self.client_type, order_map_path=str(tmp_path / "orders.json"))
        adapter = EasytraderBroker(AccountId("ET-C"), EasytraderConfig.from_mapping(settings), events,
                                   sim_credentials(sim))
        self._sim = sim
        yield ContractSubject(adapter, events, instrument_for(self.symbol))
        await adapter.disconnect()

    async def quote(self, s: ContractSubject) -> Quote:
        return self._sim.exchange.quote(s.instrument.symbol)

    async def test_subscribed_instrument_gets_quotes_with_bid_at_or_below_ask_on_tick(
        self, connected: ContractSubject
    ) -> None:
        """Replaces the quote test: easytrader has no prices, and the trader is told so instead of seeing none."""
        assert connected.events.of_type(Quote) == []
        notes = [m.text for m in connected.events.of_type(LogMessage)]
        assert any("no market prices" in text for text in notes)
        assert connected.instrument.symbol in {i.symbol for i in connected.adapter.instruments()}


class TestEasytraderContractHuatai(TestEasytraderContract):
    """The same contract with the Huatai client's columns, on Kweichow Moutai."""

    symbol = "600519"
    client_type = "ht_client"


class TestEasytraderContractGalaxy(TestEasytraderContract):
    """The same contract with the Galaxy client's columns (balance as a grid), on a Shenzhen stock."""

    symbol = "000001"
    client_type = "yh_client"

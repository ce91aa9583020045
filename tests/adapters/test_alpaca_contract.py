"""The broker contract against the Alpaca simulator, through the real alpaca-py TradingClient."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.adapters.alpaca.adapter import create
from core.domain import AccountId
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

sim = sim_fixture()


class TestAlpacaContract(BrokerContract):
    @pytest.fixture
    async def subject(self, sim: AlpacaSimulator) -> AsyncIterator[ContractSubject]:
        events = EventRecorder()
        adapter = create(AccountId("ALPACA-C"), sim_settings(sim), events)
        instrument = sim.exchange.by_symbol["AAPL"].instrument()
        try:
            yield ContractSubject(adapter, events, instrument)
        finally:
            await adapter.disconnect()

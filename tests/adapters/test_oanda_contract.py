"""The broker contract against the OANDA v20 simulator, through the aiohttp client on the test's loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.adapters.oanda.adapter import create
from core.domain import AccountId
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_fixture, sim_settings

sim = sim_fixture()


class TestOandaContract(BrokerContract):
    symbol = "EUR_USD"

    @pytest.fixture
    async def subject(self, sim: OandaSimulator) -> AsyncIterator[ContractSubject]:
        events = EventRecorder()
        adapter = create(AccountId("OANDA-C"), sim_settings(sim), events)
        # The instrument as OANDA lists it (tick from displayPrecision), read before the contract connects.
        await adapter.connect()
        instrument = next(i for i in adapter.instruments() if i.symbol == self.symbol)
        await adapter.disconnect()
        events.events.clear()
        yield ContractSubject(adapter, events, instrument)
        await adapter.disconnect()


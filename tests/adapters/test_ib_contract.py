"""The broker contract, run against IbBroker talking to the TWS simulator over the real socket protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from core.adapters.ib.adapter import IbBroker
from core.adapters.ib.config import IbConfig
from core.domain import AccountId
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.tws import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors, sim_settings


class TestIbBrokerContract(BrokerContract):
    symbol = "AAPL"

    @pytest.fixture(autouse=True)
    def decoder_guard(self) -> Iterator[None]:
        with no_decoder_errors():
            yield

    @pytest.fixture
    async def subject(self) -> AsyncIterator[ContractSubject]:
        sim = TwsSimulator(tick_interval_s=0.02)
        await sim.start()
        events = EventRecorder()
        adapter = IbBroker(AccountId("IB-C"), IbConfig.from_mapping(sim_settings(sim.port, symbols=[self.symbol])),
                           events)
        listing = next(item for item in sim.market.listings.values() if item.key == self.symbol)
        instrument = listing.instrument()
        try:
            yield ContractSubject(adapter, events, instrument)
        finally:
            await adapter.disconnect()
            await sim.stop()


class TestIbBrokerContractForex(TestIbBrokerContract):
    """The same contract on EUR.USD (IDEALPRO, half-pip tick)."""

    symbol = "EUR.USD"


class TestIbBrokerContractFuture(TestIbBrokerContract):
    """The same contract on the E-mini future ESZ6 (CME, tick 0.25, multiplier 50)."""

    symbol = "ESZ6"

"""The broker contract, run against the paper broker on a fast tick."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder


class TestPaperBrokerContract(BrokerContract):
    symbol = "AAPL"

    @pytest.fixture
    async def subject(self, tmp_path: Path) -> AsyncIterator[ContractSubject]:
        events = EventRecorder()
        config = PaperConfig(tick_interval_s=0.01, state_path=str(tmp_path / "paper.json"))
        adapter = PaperBroker(AccountId("PAPER-C"), config, events)
        instrument = next(i for i in adapter.instruments() if i.symbol == self.symbol)
        yield ContractSubject(adapter, events, instrument)
        await adapter.disconnect()


class TestPaperBrokerContractShanghaiLots(TestPaperBrokerContract):
    """The same contract on an SSE stock that trades in lots of 100."""

    symbol = "600519"

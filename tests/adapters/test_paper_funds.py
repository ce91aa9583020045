"""The paper account's funds by its margin model: a cash account by default, a margin multiplier on request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.ports.account_funds import AccountFundsSource
from core.ports.errors import InsufficientFunds
from tests.adapters.contract import EventRecorder
from tests.adapters.test_paper_adapter import ACCOUNT, current_quote, limit_order


@pytest.mark.parametrize("leverage", ["1", "2"])
async def test_margin_used_is_the_position_value_over_the_multiplier(leverage: str) -> None:
    events = EventRecorder()
    broker = PaperBroker(ACCOUNT, PaperConfig(tick_interval_s=60, leverage=Decimal(leverage)), events)
    assert isinstance(broker, AccountFundsSource)
    await broker.connect()
    try:
        quote = await current_quote(broker, events, "AAPL")
        assert quote.ask is not None
        await broker.submit(limit_order(broker, "AAPL", "1000", quote.ask + 1))
        funds = await broker.account_funds()
        line = funds.line("USD")
        assert line is not None and line.cash is not None and line.equity is not None
        held = line.equity - line.cash
        multiplier = Decimal(leverage)
        assert held > 0 and line.margin_used == held / multiplier
        assert line.margin_available == line.equity - held / multiplier
        assert line.buying_power == line.margin_available * multiplier
        assert ("cash account" in funds.note) is (multiplier == 1)
    finally:
        await broker.disconnect()


async def test_a_cash_account_refuses_a_buy_beyond_its_cash() -> None:
    events = EventRecorder()
    broker = PaperBroker(ACCOUNT, PaperConfig(tick_interval_s=60), events)  # default: a cash account
    await broker.connect()
    try:
        quote = await current_quote(broker, events, "AAPL")
        assert quote.ask is not None
        line = (await broker.account_funds()).line("USD")
        assert line is not None and line.buying_power == line.cash, "a flat cash account: buying power = cash"
        too_many = str(int(line.cash / quote.ask) + 10)
        with pytest.raises(InsufficientFunds, match="buying power"):
            await broker.submit(limit_order(broker, "AAPL", too_many, quote.ask + 1))
    finally:
        await broker.disconnect()

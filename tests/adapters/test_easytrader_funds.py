"""easytrader's balance as the account's funds: the simulator's cash, frozen cash and total assets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.domain import OrderStatus, Side
from core.ports.account_funds import AccountFundsSource
from tests.adapters.contract import EventRecorder
from tests.adapters.test_easytrader_adapter import SYMBOL, make_broker, order, until
from tests.sims.easytrader import EasytraderSimulator


async def test_funds_are_the_brokers_balance_with_frozen_cash_out_of_buying_power(tmp_path: Path) -> None:
    with EasytraderSimulator() as sim:
        events = EventRecorder()
        adapter = make_broker(sim, tmp_path, events, request_timeout_s=0.5)
        assert isinstance(adapter, AccountFundsSource)
        await adapter.connect()
        try:
            quote = sim.exchange.quote(SYMBOL)
            assert quote.bid is not None
            resting = order(Side.BUY, quote.bid - Decimal("0.50"))  # below the market: it rests, its cash frozen
            await adapter.submit(resting)
            await until(events, resting, OrderStatus.ACCEPTED)
            funds = await adapter.account_funds()
            (line,) = funds.lines
            exchange = sim.exchange
            assert exchange.frozen_cash > 0
            assert line.currency == "CNY" and line.cash == exchange.cash
            assert line.buying_power == exchange.cash - exchange.frozen_cash, "frozen cash cannot buy"
            assert line.equity == exchange.cash, "no holdings yet: total assets are the cash"
        finally:
            await adapter.disconnect()

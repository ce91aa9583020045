"""`/v1/account` gives a strategy its account's cash, equity, buying power and margin, as the paper broker books."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tests.adapters.strategy_api_world import ApiWorld, api_fixture

api = api_fixture()


async def test_the_account_answer_has_equity_buying_power_and_margin(api: ApiWorld) -> None:
    client = api.client()
    books = api.world.broker._books  # the paper broker's own ledger
    account = await asyncio.to_thread(client.account_info)
    usd = next(line for line in account["funds"] if line["currency"] == "USD")
    assert Decimal(usd["cash"]) == books.cash["USD"]
    assert Decimal(usd["buying_power"]) == books.cash["USD"], "a cash account: buying power is the cash"
    assert Decimal(usd["margin_used"]) == 0 and usd["margin_utilisation_pct"] == "0"
    chosen = next(line for line in account["funds"] if line["currency"] == account["currency"])
    assert account["equity"] == chosen["equity"] and account["buying_power"] == chosen["buying_power"]
    assert account["margin_used"] == chosen["margin_used"] and account["margin_available"] == chosen["margin_available"]
    assert account["pnl_basis"] == "net of commissions" and account["funds_as_of"]

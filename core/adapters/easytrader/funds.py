"""Translate easytrader's `balance` (资金余额, 可用金额, 总资产) into AccountFunds. Pure."""

from __future__ import annotations

from datetime import datetime

from core.adapters.easytrader.parsing import CURRENCY, Funds
from core.domain import AccountId
from core.domain.funds import AccountFunds, FundsLine, FundsSource


def account_funds_of(funds: Funds, account_id: AccountId, as_of: datetime) -> AccountFunds:
    """Return the CNY line: cash 资金余额, equity 总资产, buying power 可用金额 (an A-share cash account)."""
    line = FundsLine(CURRENCY, cash=funds.cash, equity=funds.total_assets, buying_power=funds.available,
                     margin_available=funds.available)
    return AccountFunds(account_id, (line,), FundsSource.BROKER, as_of,
                        "The broker's balance: a cash account (no margin); buying power is the cash available.")

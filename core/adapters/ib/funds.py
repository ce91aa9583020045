"""Translate IB's account values (reqAccountUpdates / reqAccountSummary tags) into AccountFunds. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from ib_async import AccountValue, PnL

from core.adapters.ib.parsing import to_decimal
from core.domain import AccountId
from core.domain.funds import AccountFunds, FundsLine, FundsSource, LineKind

BASE = "BASE"
"""IB's pseudo-currency for a figure converted into the account's base currency."""

MAP_ACCOUNT_TAGS = {
    "TotalCashValue": "cash",
    "NetLiquidation": "equity",
    "BuyingPower": "buying_power",
    "InitMarginReq": "margin_used",
    "AvailableFunds": "margin_available",
    "MaintMarginReq": "maintenance_margin",
    "ExcessLiquidity": "excess_liquidity",
    "UnrealizedPnL": "broker_unrealized_pnl",
    "RealizedPnL": "broker_realized_pnl",
}
"""IB's account-wide tags (reported in the base currency) and the FundsLine field each fills."""


def parse_funds(values: Iterable[AccountValue], account: str, account_id: AccountId, pnl: PnL | None,
                as_of: datetime) -> AccountFunds:
    """Return the account's funds: one line in the base currency with IB's account-wide figures (segment BASE)
    and one BALANCE line per currency's cash (CashBalance), which the base line already includes converted.

    The base line's day P&L is IB's own (reqPnL's dailyPnL), as IB computes it.
    """
    figures: dict[tuple[str, str], Decimal] = {}
    for value in values:
        if value.account != account or value.modelCode:
            continue
        number = to_decimal(value.value)
        if number is not None:
            figures[(value.tag, value.currency)] = number
    base = next((currency for tag, currency in figures if tag == "NetLiquidation" and currency != BASE), None)
    lines: list[FundsLine] = []
    if base is not None:
        day = to_decimal(pnl.dailyPnL) if pnl is not None and pnl.account == account else None
        fields: dict[str, Any] = {name: figures.get((tag, base)) for tag, name in MAP_ACCOUNT_TAGS.items()}
        lines.append(FundsLine(base, segment=BASE, broker_day_pnl=day, **fields))
    for (tag, currency), amount in sorted(figures.items()):
        if tag == "CashBalance" and currency != BASE and len(currency) == 3 and currency.isalpha():
            lines.append(FundsLine(currency, cash=amount, segment="cash", kind=LineKind.BALANCE))
    return AccountFunds(account_id, tuple(lines), FundsSource.BROKER, as_of,
                        f"IB account values of {account}; margin and buying power in the base currency.")

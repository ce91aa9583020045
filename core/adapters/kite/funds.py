"""Translate Kite's `margins()` (the equity and commodity segments) into AccountFunds. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.adapters.kite.parsing import CURRENCY, decimal_of
from core.domain import AccountId
from core.domain.funds import AccountFunds, FundsLine, FundsSource

SEGMENTS = ("equity", "commodity")


def parse_funds(margins: Mapping[str, Any], account_id: AccountId, as_of: datetime) -> AccountFunds:
    """Return one INR line per enabled segment.

    cash: available.live_balance (the opening balance moved by today's trades and pay-ins); margin used:
    utilised.debits; margin available and buying power: net (what Kite lets new orders use). Kite reports
    no net liquidation value: equity is left for the books (cash + positions at market) to fill.
    """
    lines = []
    for segment in SEGMENTS:
        figures = margins.get(segment)
        if not isinstance(figures, Mapping) or not figures.get("enabled"):
            continue
        available = figures.get("available") or {}
        utilised = figures.get("utilised") or {}
        net = decimal_of(figures.get("net"))
        lines.append(FundsLine(CURRENCY, cash=decimal_of(available.get("live_balance")), buying_power=net,
                               margin_used=decimal_of(utilised.get("debits")), margin_available=net,
                               segment=segment))
    return AccountFunds(account_id, tuple(lines), FundsSource.BROKER, as_of,
                        "Kite margins: net is what new orders may use; equity adds positions at market.")

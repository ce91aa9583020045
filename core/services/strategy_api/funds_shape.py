"""The funds part of `/v1/account`: cash, equity, buying power and margin per currency, as decimal strings."""

from __future__ import annotations

from typing import Any

from core.domain.funds import AccountFunds, FundsLine
from core.services.strategy_api.shapes import dec, iso

FIGURES = ("cash", "equity", "buying_power", "margin_used", "margin_available", "maintenance_margin",
           "excess_liquidity", "unrealized_pnl", "realized_pnl", "day_pnl")


def line_json(line: FundsLine) -> dict[str, Any]:
    body: dict[str, Any] = {"currency": line.currency, "segment": line.segment, "kind": line.kind.value}
    body.update({name: dec(getattr(line, name)) for name in FIGURES})
    body["margin_utilisation_pct"] = dec(line.utilisation)
    return body


def funds_json(funds: AccountFunds | None, currency: str | None) -> dict[str, Any]:
    """Return equity, buying_power and margin of currency's first summed line at the top level, every line under
    "funds", and when they were read; nulls when the account has not reported its funds."""
    if funds is None:
        return {"equity": None, "buying_power": None, "margin_used": None, "margin_available": None,
                "funds": [], "funds_as_of": None, "pnl_basis": None}
    summed = [line for line in funds.summed() if currency is None or line.currency == currency]
    main = summed[0] if summed else None
    return {
        "equity": None if main is None else dec(main.equity),
        "buying_power": None if main is None else dec(main.buying_power),
        "margin_used": None if main is None else dec(main.margin_used),
        "margin_available": None if main is None else dec(main.margin_available),
        "funds": [line_json(line) for line in funds.lines],
        "funds_as_of": iso(funds.as_of),
        "funds_source": funds.source.value,
        "pnl_basis": "net of commissions",
    }

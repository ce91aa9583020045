"""Freeze quantities: the most one F&O order may carry on NSE/BSE (Kite refuses more with an InputException).

Kite has no API for them (forum 46716): the exchanges publish them per underlying and revise them now and then.
FREEZE_QUANTITIES holds the index derivatives' limits; a Kite account's settings (`freeze_quantities`,
underlying name -> quantity) add stock derivatives and override a revised limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from core.domain import AssetClass

FREEZE_QUANTITIES: Mapping[tuple[str, str], int] = MappingProxyType({
    ("NFO", "NIFTY"): 1800,
    ("NFO", "BANKNIFTY"): 900,
    ("NFO", "FINNIFTY"): 1800,
    ("NFO", "MIDCPNIFTY"): 2800,
    ("NFO", "NIFTYNXT50"): 600,
    ("BFO", "SENSEX"): 1000,
    ("BFO", "BANKEX"): 900,
})
"""(exchange, underlying name as in the instruments list) -> freeze quantity in units (not lots)."""

DERIVATIVE_EXCHANGES = frozenset({"NFO", "BFO"})


def freeze_quantity(exchange: str, name: str, asset_class: AssetClass,
                    configured: Mapping[str, int] | None = None) -> Decimal | None:
    """Return the freeze quantity of an F&O contract on exchange whose underlying is name, or None (no limit)."""
    if exchange not in DERIVATIVE_EXCHANGES or asset_class not in (AssetClass.FUTURE, AssetClass.OPTION):
        return None
    underlying = name.strip().upper()
    limit = (configured or {}).get(underlying) or FREEZE_QUANTITIES.get((exchange, underlying))
    return None if limit is None else Decimal(limit)

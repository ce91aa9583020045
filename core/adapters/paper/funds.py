"""The paper broker's funds: cash, equity, margin and buying power from its books, by a documented margin model.

Margin model, per currency (no conversion between currencies; each is its own ledger):
    equity           = cash + the signed market value of the positions (at the mid; at cost without one)
    margin used      = the gross value of the positions / M
    margin available = equity - margin used
    buying power     = margin available x M   (= equity x M - gross value, what check_buying_power allows)
where M is the margin multiplier, the paper setting `leverage`: 1 (the default) is a cash account, in
which buying power is the cash left; 2 is a Reg T-like margin account.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from core.adapters.paper.books import Books
from core.domain import AccountId, Instrument
from core.domain.funds import AccountFunds, FundsLine, FundsSource

ZERO = Decimal(0)


def paper_funds(books: Books, instruments: Mapping[str, Instrument], marks: Mapping[str, Decimal],
                as_of: datetime) -> AccountFunds:
    """Return the paper account's funds per currency by the module's margin model."""
    multiplier = books.leverage
    value: dict[str, Decimal] = {}
    gross: dict[str, Decimal] = {}
    for symbol, holding in books.holdings.items():
        instrument = instruments.get(symbol)
        if instrument is None or holding.quantity == 0:
            continue
        worth = instrument.notional(holding.quantity, marks.get(symbol, holding.avg_cost))
        value[instrument.currency] = value.get(instrument.currency, ZERO) + worth
        gross[instrument.currency] = gross.get(instrument.currency, ZERO) + abs(worth)
    lines = []
    for currency in sorted(set(books.cash) | set(value)):
        cash = books.cash.get(currency, ZERO)
        equity = cash + value.get(currency, ZERO)
        used = gross.get(currency, ZERO) / multiplier
        available = equity - used
        lines.append(FundsLine(currency, cash=cash, equity=equity, buying_power=available * multiplier,
                               margin_used=used, margin_available=available))
    kind = "cash account" if multiplier == 1 else f"margin account, multiplier {multiplier.normalize():f}"
    return AccountFunds(AccountId(books.account_id), tuple(lines), FundsSource.COMPUTED, as_of,
                        f"Paper {kind}: margin used = gross position value / multiplier; buying power = "
                        "(equity - margin used) x multiplier.")

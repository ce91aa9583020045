"""Symbol search in the simulated TWS: reqMatchingSymbols (81 -> 79) and the listings a search can find.

TWS answers a pattern with at most 16 contract descriptions: one per stock (its derivative sec types, e.g.
OPT, listed with it), one index row per futures root (derivatives FUT), one per currency pair. The
contracts themselves (each expiry, each option) come from reqContractDetails. SEARCH_LISTINGS add stocks
in other currencies and exchanges, more expiries, options and currency pairs; DELISTED rows are found
by the search but have no contract details any more (error 200, as for a delisted symbol).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tests.sims.tws.market import DEFAULT_LISTINGS, Listing

MAX_SAMPLES = 16
_WORD = re.compile(r"[A-Z0-9&]+")


@dataclass(frozen=True, slots=True)
class Description:
    """One row of symbolSamples (79): a contract and the derivative sec types listed on it."""

    con_id: int
    symbol: str
    sec_type: str
    primary_exchange: str
    currency: str
    derivatives: tuple[str, ...] = ()
    description: str = ""


SEARCH_LISTINGS: tuple[Listing, ...] = (
    Listing(14204, "SAP", "STK", "SMART", "IBIS", "EUR", "SAP", "XETRA", Decimal("0.01"), Decimal("190.00"),
            "SAP SE", valid_exchanges="SMART,IBIS,FWB", time_zone="MET"),
    Listing(13905, "7203", "STK", "SMART", "TSEJ", "JPY", "7203", "7203", Decimal("0.5"), Decimal("2800.0"),
            "TOYOTA MOTOR CORP", valid_exchanges="SMART,TSEJ", time_zone="Japan"),
    Listing(620731015, "ES", "FUT", "CME", "", "USD", "ESH7", "ES", Decimal("0.25"), Decimal("5240.00"),
            "E-mini S&P 500", multiplier="50", last_trade_date="20270319", valid_exchanges="CME",
            time_zone="US/Central"),
    Listing(637533641, "ES", "FUT", "CME", "", "USD", "ESM7", "ES", Decimal("0.25"), Decimal("5280.00"),
            "E-mini S&P 500", multiplier="50", last_trade_date="20270618", valid_exchanges="CME",
            time_zone="US/Central"),
    Listing(711280073, "AAPL", "OPT", "SMART", "", "USD", "AAPL  261218C00200000", "AAPL", Decimal("0.05"),
            Decimal("8.50"), "APPLE INC", multiplier="100", last_trade_date="20261218", strike="200",
            right="C", valid_exchanges="SMART,CBOE,AMEX"),
    Listing(711280100, "AAPL", "OPT", "SMART", "", "USD", "AAPL  261218P00180000", "AAPL", Decimal("0.05"),
            Decimal("3.20"), "APPLE INC", multiplier="100", last_trade_date="20261218", strike="180",
            right="P", valid_exchanges="SMART,CBOE,AMEX"),
    Listing(12087797, "GBP", "CASH", "IDEALPRO", "", "USD", "GBP.USD", "GBP.USD", Decimal("0.00005"),
            Decimal("1.27000"), "British pound", valid_exchanges="IDEALPRO"),
    Listing(15016059, "USD", "CASH", "IDEALPRO", "", "JPY", "USD.JPY", "USD.JPY", Decimal("0.005"),
            Decimal("151.200"), "US dollar", valid_exchanges="IDEALPRO"),
)
"""More contracts than the defaults, for symbol search: TWS(listings=DEFAULT_LISTINGS + SEARCH_LISTINGS)."""

ALL_LISTINGS: tuple[Listing, ...] = DEFAULT_LISTINGS + SEARCH_LISTINGS

DELISTED: tuple[Description, ...] = (
    Description(72539702, "TWTR", "STK", "NYSE", "USD", (), "TWITTER INC"),
)
"""Found by a search, but without contract details: reqContractDetails answers error 200."""

_INDEX_CON_IDS = {"ES": 11004968}


def descriptions(listings: Iterable[Listing]) -> list[Description]:
    """Return the symbolSamples rows for these listings: stocks with their derivatives, futures roots, pairs."""
    rows: dict[tuple[str, str], Description] = {}
    derivatives: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    exchanges: dict[str, str] = {}
    for listing in listings:
        if listing.sec_type == "STK":
            rows[(listing.symbol, "STK")] = Description(listing.con_id, listing.symbol, "STK",
                                                        listing.primary_exchange, listing.currency,
                                                        description=listing.long_name)
        elif listing.sec_type == "CASH":
            rows[(listing.local_symbol, "CASH")] = Description(listing.con_id, listing.symbol, "CASH",
                                                               listing.exchange, listing.currency,
                                                               description=listing.long_name)
        else:
            derivatives.setdefault(listing.symbol, set()).add(listing.sec_type)
            names.setdefault(listing.symbol, listing.long_name)
            exchanges.setdefault(listing.symbol, listing.exchange)
    for symbol, kinds in derivatives.items():
        stock = rows.get((symbol, "STK"))
        if stock is not None:
            rows[(symbol, "STK")] = Description(stock.con_id, stock.symbol, "STK", stock.primary_exchange,
                                                stock.currency, tuple(sorted(kinds)), stock.description)
        elif "FUT" in kinds:
            rows[(symbol, "IND")] = Description(_INDEX_CON_IDS.get(symbol, 0), symbol, "IND", exchanges[symbol],
                                                "USD", ("FOP", "FUT"), names[symbol])
    return list(rows.values())


def symbol_samples(req_id: int, pattern: str, rows: Sequence[Description], server_version: int) -> list[object]:
    """Return message 79 for a pattern: rows whose symbol, or a word of whose name, starts with it (at most 16)."""
    wanted = pattern.strip().upper()
    found = [row for row in rows if wanted and (
        row.symbol.upper().startswith(wanted)
        or any(word.startswith(wanted) for word in _WORD.findall(row.description.upper())))]
    found.sort(key=lambda row: (row.symbol.upper() != wanted, row.symbol))
    fields: list[object] = [79, req_id, len(found[:MAX_SAMPLES])]
    for row in found[:MAX_SAMPLES]:
        fields += [row.con_id, row.symbol, row.sec_type, row.primary_exchange, row.currency, len(row.derivatives),
                   *row.derivatives]
        if server_version >= 176:
            fields += [row.description, ""]
    return fields

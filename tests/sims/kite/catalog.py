"""More of Kite's instruments dump for symbol search: BSE, NFO futures and options, MCX, CDS, and a bulk chain.

SEARCH_LISTINGS trade in the simulator (give them to KiteSimulator(listings=...)); CATALOG_ONLY rows are
only listed in /instruments (the simulator's ticker keeps paise for every segment, so CDS, whose prices
Kite scales by 10^7, is listed but not quoted). `option_chain(n)` makes n NFO option rows for the bench.
Tokens keep the segment in their low byte (NSE 1, NFO 2, CDS 3, BSE 4, MCX 7).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tests.sims.kite.listings import DEFAULT_LISTINGS, Listing

NFO, CDS, BSE, MCX = 2, 3, 4, 7


def _token(exchange_token: int, segment: int) -> int:
    return exchange_token << 8 | segment


SEARCH_LISTINGS: tuple[Listing, ...] = (
    Listing(_token(500180, BSE), "HDFCBANK", "HDFC BANK", "BSE", Decimal("1650.00"), Decimal("0.05")),
    Listing(_token(500209, BSE), "INFY", "INFOSYS", "BSE", Decimal("1534.00"), Decimal("0.05")),
    Listing(_token(35001, NFO), "NIFTY26DECFUT", "NIFTY", "NFO", Decimal("24410.00"), Decimal("0.05"), lot=75,
            freeze=1800, kind="FUT", expiry="2026-12-31"),
    Listing(_token(35002, NFO), "NIFTY27JANFUT", "NIFTY", "NFO", Decimal("24520.00"), Decimal("0.05"), lot=75,
            freeze=1800, kind="FUT", expiry="2027-01-28"),
    Listing(_token(35101, NFO), "NIFTY26DEC24500CE", "NIFTY", "NFO", Decimal("180.00"), Decimal("0.05"), lot=75,
            freeze=1800, kind="CE", expiry="2026-12-31", strike=Decimal(24500)),
    Listing(_token(35102, NFO), "NIFTY26DEC24000PE", "NIFTY", "NFO", Decimal("95.00"), Decimal("0.05"), lot=75,
            freeze=1800, kind="PE", expiry="2026-12-31", strike=Decimal(24000)),
    Listing(_token(35201, NFO), "INFY26DECFUT", "INFY", "NFO", Decimal("1530.00"), Decimal("0.10"), lot=400,
            kind="FUT", expiry="2026-12-31"),
    Listing(_token(217081, MCX), "CRUDEOIL26DECFUT", "CRUDEOIL", "MCX", Decimal("6100"), Decimal(1), lot=100,
            kind="FUT", expiry="2026-12-18"),
)
"""Tradeable in the simulator: KiteSimulator(listings=DEFAULT_LISTINGS + SEARCH_LISTINGS). INFY is listed on NSE
(DEFAULT_LISTINGS) and on BSE at its own price, as on the real exchanges."""

ALL_LISTINGS: tuple[Listing, ...] = DEFAULT_LISTINGS + SEARCH_LISTINGS

CATALOG_ONLY: tuple[Listing, ...] = (
    Listing(_token(1611, CDS), "USDINR26DECFUT", "USDINR", "CDS", Decimal("84.2"), Decimal("0.0025"),
            kind="FUT", expiry="2026-12-29"),
)


def option_chain(count: int, root: str = "BANKNIFTY", lot: int = 30) -> tuple[Listing, ...]:
    """Return count NFO option rows (CE and PE over weekly expiries and 100-point strikes), like Kite's dump."""
    rows: list[Listing] = []
    first = date(2026, 12, 3)
    strikes_per_expiry = 400
    index = 0
    while len(rows) < count:
        expiry = first + timedelta(weeks=index // (2 * strikes_per_expiry))
        strike = 40000 + 100 * (index // 2 % strikes_per_expiry)
        kind = "CE" if index % 2 == 0 else "PE"
        symbol = f"{root}{expiry:%y}{expiry.month}{expiry:%d}{strike}{kind}"
        rows.append(Listing(_token(100000 + index, NFO), symbol, root, "NFO", Decimal("100.00"), Decimal("0.05"),
                            lot=lot, kind=kind, expiry=expiry.isoformat(), strike=Decimal(strike)))
        index += 1
    return tuple(rows)

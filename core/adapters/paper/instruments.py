"""The paper account's default watchlist: US, Indian and Chinese instruments with realistic ticks, lots and prices."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from core.domain import AssetClass, Instrument


def _listing(
    symbol: str,
    venue: str,
    currency: str,
    tick: str,
    start: str,
    name: str,
    lot: str = "1",
    multiplier: str = "1",
    asset_class: AssetClass = AssetClass.STOCK,
) -> tuple[Instrument, Decimal]:
    instrument = Instrument(
        symbol=symbol,
        venue=venue,
        currency=currency,
        tick_size=Decimal(tick),
        lot_size=Decimal(lot),
        multiplier=Decimal(multiplier),
        asset_class=asset_class,
        name=name,
    )
    return instrument, Decimal(start)


_LISTINGS = (
    _listing("AAPL", "NASDAQ", "USD", "0.01", "189.50", "Apple Inc."),
    _listing("MSFT", "NASDAQ", "USD", "0.01", "415.20", "Microsoft Corp."),
    _listing("SPY", "ARCA", "USD", "0.01", "512.30", "SPDR S&P 500 ETF"),
    _listing("ESZ6", "CME", "USD", "0.25", "5200.00", "E-mini S&P 500 Dec 2026",
             multiplier="50", asset_class=AssetClass.FUTURE),
    _listing("INFY", "NSE", "INR", "0.05", "1520.00", "Infosys Ltd."),
    _listing("RELIANCE", "NSE", "INR", "0.05", "2950.00", "Reliance Industries Ltd."),
    _listing("TCS", "NSE", "INR", "0.05", "3900.00", "Tata Consultancy Services Ltd."),
    _listing("600000", "SSE", "CNY", "0.01", "7.85", "Shanghai Pudong Development Bank", lot="100"),
    _listing("600519", "SSE", "CNY", "0.01", "1700.00", "Kweichow Moutai", lot="100"),
    _listing("000001", "SZSE", "CNY", "0.01", "10.50", "Ping An Bank", lot="100"),
)

DEFAULT_INSTRUMENTS: tuple[Instrument, ...] = tuple(instrument for instrument, _ in _LISTINGS)
"""The instruments a paper account trades unless told otherwise."""

START_PRICES: Mapping[str, Decimal] = MappingProxyType({i.symbol: price for i, price in _LISTINGS})
"""The previous close of each default instrument: where its simulated market starts."""

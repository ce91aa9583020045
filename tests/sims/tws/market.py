"""The simulator's listings (contract details) and its market: a seeded walk of top-of-book quotes.

Listings carry IB's real contract ids for the default instruments so logs read like TWS's. The
walk itself is the paper broker's `Market` (core/adapters/paper/market.py), keyed by localSymbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.adapters.paper.market import Market
from core.domain import AssetClass, Instrument, Quote

_ASSET = {"STK": AssetClass.STOCK, "FUT": AssetClass.FUTURE, "CASH": AssetClass.FOREX, "OPT": AssetClass.OPTION}


@dataclass(frozen=True, slots=True)
class Listing:
    """One contract the simulated TWS knows, with what reqContractDetails reports about it."""

    con_id: int
    symbol: str
    sec_type: str
    exchange: str
    primary_exchange: str
    currency: str
    local_symbol: str
    trading_class: str
    min_tick: Decimal
    start_price: Decimal
    long_name: str
    multiplier: str = ""
    last_trade_date: str = ""
    strike: str = ""
    right: str = ""
    valid_exchanges: str = "SMART"
    order_types: str = "LMT,MKT,STP,STPLMT,IOC,GTC,DAY"
    time_zone: str = "US/Eastern"

    @property
    def key(self) -> str:
        """The listing's key in the market and the order book: its localSymbol."""
        return self.local_symbol

    @property
    def contract_multiplier(self) -> Decimal:
        return Decimal(self.multiplier) if self.multiplier else Decimal(1)

    def instrument(self) -> Instrument:
        """Return the listing as a domain Instrument, for the shared market walk and matching engine."""
        return Instrument(
            symbol=self.key,
            venue=self.exchange,
            currency=self.currency,
            tick_size=self.min_tick,
            multiplier=self.contract_multiplier,
            asset_class=_ASSET[self.sec_type],
            name=self.long_name,
        )

    def commission(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Return IB-like fixed-rate commission.

        Stocks $0.005 a share (at least $1, at most 1%), futures $2.25 and options $0.65 a contract,
        forex 0.2 bp of notional (at least $2).
        """
        if self.sec_type == "STK":
            fee = max(Decimal(1), quantity * Decimal("0.005"))
            fee = min(fee, quantity * price * Decimal("0.01"))
        elif self.sec_type in ("FUT", "OPT"):
            fee = quantity * (Decimal("2.25") if self.sec_type == "FUT" else Decimal("0.65"))
        else:
            fee = max(Decimal(2), quantity * price * Decimal("0.00002"))
        return fee.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def matches(self, con_id: int, symbol: str, sec_type: str, currency: str, local_symbol: str,
                exchange: str, last_trade: str) -> bool:
        """Return True if a request's contract fields (empty = any) select this listing."""
        if con_id:
            return con_id == self.con_id
        checks = (
            (symbol, self.symbol), (sec_type, self.sec_type), (currency, self.currency),
            (local_symbol, self.local_symbol),
        )
        if any(wanted and wanted.upper() != have for wanted, have in checks):
            return False
        if last_trade and not self.last_trade_date.startswith(last_trade):
            return False
        venues = {self.exchange, self.primary_exchange, *self.valid_exchanges.split(",")}
        return not exchange or exchange.upper() in venues


DEFAULT_LISTINGS: tuple[Listing, ...] = (
    Listing(265598, "AAPL", "STK", "SMART", "NASDAQ", "USD", "AAPL", "NMS", Decimal("0.01"),
            Decimal("189.50"), "APPLE INC", valid_exchanges="SMART,NASDAQ,ARCA,ISLAND"),
    Listing(272093, "MSFT", "STK", "SMART", "NASDAQ", "USD", "MSFT", "NMS", Decimal("0.01"),
            Decimal("415.20"), "MICROSOFT CORP", valid_exchanges="SMART,NASDAQ,ARCA,ISLAND"),
    Listing(756733, "SPY", "STK", "SMART", "ARCA", "USD", "SPY", "SPY", Decimal("0.01"),
            Decimal("512.30"), "SPDR S&P 500 ETF TRUST", valid_exchanges="SMART,ARCA"),
    Listing(12087792, "EUR", "CASH", "IDEALPRO", "", "USD", "EUR.USD", "EUR.USD", Decimal("0.00005"),
            Decimal("1.08500"), "European Monetary Union Euro", valid_exchanges="IDEALPRO",
            order_types="LMT,MKT,STP,STPLMT,IOC,GTC,DAY", time_zone="US/Eastern"),
    Listing(495512563, "ES", "FUT", "CME", "", "USD", "ESZ6", "ES", Decimal("0.25"),
            Decimal("5200.00"), "E-mini S&P 500", multiplier="50", last_trade_date="20261218",
            valid_exchanges="CME", time_zone="US/Central"),
)


class SimMarket:
    """The listings and their quotes; `step()` moves every price and returns the new quotes."""

    def __init__(self, listings: Sequence[Listing] = DEFAULT_LISTINGS, seed: int = 7) -> None:
        self.listings = {listing.key: listing for listing in listings}
        self.by_con_id = {listing.con_id: listing for listing in listings}
        self._market = Market(
            [listing.instrument() for listing in listings],
            {listing.key: listing.start_price for listing in listings},
            seed,
        )

    def find(self, con_id: int = 0, symbol: str = "", sec_type: str = "", currency: str = "",
             local_symbol: str = "", exchange: str = "", last_trade: str = "") -> list[Listing]:
        """Return every listing a request's contract selects."""
        return [
            listing for listing in self.listings.values()
            if listing.matches(con_id, symbol, sec_type, currency, local_symbol, exchange, last_trade)
        ]

    def quote(self, key: str) -> Quote:
        return self._market.quote(key)

    def step(self) -> list[Quote]:
        return self._market.step()

    def mark(self, key: str) -> Decimal:
        """Return the mid price of a listing, on tick."""
        quote = self._market.quote(key)
        assert quote.bid is not None and quote.ask is not None
        listing = self.listings[key]
        return listing.instrument().make_price((quote.bid + quote.ask) / 2).value

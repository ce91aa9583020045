"""The simulator's instruments: real NSE tokens (the segment in the low byte), tick, lot, start price."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from core.domain import AssetClass, Instrument

SEGMENT_NSE = 1
SEGMENT_INDICES = 9
CSV_HEADER = ("instrument_token", "exchange_token", "tradingsymbol", "name", "last_price", "expiry", "strike",
              "tick_size", "lot_size", "instrument_type", "segment", "exchange")


_ASSET = {"FUT": AssetClass.FUTURE, "CE": AssetClass.OPTION, "PE": AssetClass.OPTION}


@dataclass(frozen=True, slots=True)
class Listing:
    token: int
    tradingsymbol: str
    name: str
    exchange: str
    start: Decimal
    tick: Decimal = Decimal("0.05")
    lot: int = 1
    index: bool = False
    freeze: int = 0
    """The exchange's freeze quantity (0: none); Kite refuses a larger order with InputException."""
    kind: str = "EQ"
    """instrument_type: EQ, FUT, CE or PE."""
    expiry: str = ""
    strike: Decimal = Decimal(0)

    @property
    def key(self) -> str:
        return f"{self.exchange}:{self.tradingsymbol}"

    @property
    def segment_code(self) -> int:
        return self.token & 0xFF

    @property
    def segment(self) -> str:
        """The CSV's segment column: INDICES, NSE, NFO-FUT, NFO-OPT, MCX-FUT..."""
        if self.index:
            return "INDICES"
        if self.kind == "EQ":
            return self.exchange
        return f"{self.exchange}-{'FUT' if self.kind == 'FUT' else 'OPT'}"

    def instrument(self, symbol: str = "") -> Instrument:
        """The listing as the simulator's market trades it, under symbol (its tradingsymbol by default)."""
        asset = AssetClass.INDEX if self.index else _ASSET.get(self.kind, AssetClass.STOCK)
        return Instrument(
            symbol=symbol or self.tradingsymbol, venue=self.exchange, currency="INR", tick_size=self.tick,
            lot_size=Decimal(self.lot), asset_class=asset, name=self.name,
        )


DEFAULT_LISTINGS = (
    Listing(408065, "INFY", "INFOSYS", "NSE", Decimal("1520.00")),
    Listing(738561, "RELIANCE", "RELIANCE INDUSTRIES", "NSE", Decimal("2890.00")),
    Listing(2953217, "TCS", "TATA CONSULTANCY SERV LT", "NSE", Decimal("3905.00")),
    Listing(256265, "NIFTY 50", "NIFTY 50", "NSE", Decimal("24350.00"), index=True),
)


def instruments_csv(listings: tuple[Listing, ...], prices: dict[str, Decimal]) -> str:
    """Return the /instruments CSV exactly as Kite lays it out; prices by "EXCH:SYMBOL" (or by tradingsymbol)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for item in listings:
        writer.writerow((item.token, item.token >> 8, item.tradingsymbol, item.name,
                         prices.get(item.key, prices.get(item.tradingsymbol, Decimal(0))), item.expiry, item.strike,
                         item.tick,
                         0 if item.index else item.lot, item.kind, item.segment, item.exchange))
    return out.getvalue()

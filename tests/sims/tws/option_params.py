"""Option chains in the simulated TWS: reqSecDefOptParams (78 -> 75 per exchange, then 76), as TWS answers it.

The request carries reqId, underlying symbol, futFopExchange ("" for stock options), underlying secType and
underlying conId (ib_async `client.reqSecDefOptParams`; no version field). TWS answers one
securityDefinitionOptionParameter (75) per exchange the options trade on: reqId, exchange, underlyingConId,
tradingClass, multiplier, the number of expirations and each (YYYYMMDD), the number of strikes and each (a
double) (ib_async `Decoder.securityDefinitionOptionParameter`), then securityDefinitionOptionParameterEnd (76,
reqId). An underlying without options, or a conId that is not the underlying's, gets the end alone.

The chain is read from the simulator's OPT listings; MSFT_CHAIN lists a whole small chain (two expiries, three
strikes, calls and puts), so that every contract the parameters promise has contract details.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from tests.sims.tws.market import Listing
from tests.sims.tws.protocol import Field

if TYPE_CHECKING:
    from tests.sims.tws.server import ClientConnection, TwsSimulator

MSFT_CON_ID = 272093


def _occ(root: str, expiry: str, right: str, strike: Decimal) -> str:
    """The OCC local symbol IB gives a US equity option: 'MSFT  270115C00410000'."""
    return f"{root:<6}{expiry[2:]}{right}{int(strike * 1000):08d}"


MSFT_CHAIN: tuple[Listing, ...] = tuple(
    Listing(800000 + index, "MSFT", "OPT", "SMART", "", "USD", _occ("MSFT", expiry, right, strike), "MSFT",
            Decimal("0.05"), Decimal("12.00") if right == "C" else Decimal("9.00"), "MICROSOFT CORP",
            multiplier="100", last_trade_date=expiry, strike=str(strike), right=right,
            valid_exchanges="SMART,CBOE,AMEX")
    for index, (expiry, strike, right) in enumerate(
        (expiry, strike, right) for expiry in ("20261218", "20270115") for strike in (Decimal(400), Decimal(410),
                                                                                      Decimal(420))
        for right in ("C", "P"))
)
"""MSFT options: 2026-12-18 and 2027-01-15, strikes 400, 410 and 420, calls and puts: TwsSimulator(listings=...)."""


def option_parameters(req_id: int, symbol: str, sec_type: str, con_id: int,
                      listings: Iterable[Listing]) -> list[list[Field]]:
    """Return the messages TWS sends for reqSecDefOptParams: one 75 per exchange, then 76."""
    listed = list(listings)
    underlying = next((item for item in listed if item.symbol == symbol and item.sec_type == sec_type), None)
    chains: dict[str, tuple[str, str, set[str], set[Decimal]]] = {}
    if underlying is not None and (not con_id or con_id == underlying.con_id):
        for option in (item for item in listed if item.sec_type == "OPT" and item.symbol == symbol):
            for exchange in option.valid_exchanges.split(","):
                _, _, expirations, strikes = chains.setdefault(
                    exchange, (option.trading_class, option.multiplier, set(), set()))
                expirations.add(option.last_trade_date)
                strikes.add(Decimal(option.strike))
    messages: list[list[Field]] = []
    for exchange, (trading_class, multiplier, expirations, strikes) in chains.items():
        messages.append([75, req_id, exchange, underlying.con_id if underlying else 0, trading_class, multiplier,
                         len(expirations), *sorted(expirations), len(strikes),
                         *(f"{float(strike)}" for strike in sorted(strikes))])
    messages.append([76, req_id])
    return messages


def req_sec_def_opt_params(sim: TwsSimulator, conn: ClientConnection, f: list[str]) -> None:
    """Answer reqSecDefOptParams (78): fields reqId, symbol, futFopExchange, secType, conId."""
    for message in option_parameters(int(f[1]), f[2], f[4] or "STK", int(f[5] or 0), sim.market.listings.values()):
        conn.send(message)

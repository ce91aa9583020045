"""Protecting a position at the broker (core/ports/position_protection.py): Kite GTT for a delivery holding.

The checks before the broker is asked: the account can (PositionProtection), the position is long, the prices
are numbers on the instrument's tick, the stop-loss below the last price and the target above it. The broker's
id is audited with the prices, so the trader's action is on record even though the broker holds the orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain import FieldError, NumberError, Side, parse_number
from core.domain.protection import Bracket
from core.ports import errors
from core.ports.journal import Journal
from core.ports.position_protection import PositionProtection
from core.services.accounts import AccountSlot
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from core.services.refusals import OrderRefused

PROTECT_AUDIT = "PROTECT_POSITION"
UNPROTECT_AUDIT = "UNPROTECT_POSITION"


@dataclass(frozen=True, slots=True)
class ProtectionAsked:
    """A protection as checked, ready for the broker."""

    symbol: str
    quantity: Decimal
    stop_loss: Decimal | None
    take_profit: Decimal | None
    last_price: Decimal


def broker_protector(slot: AccountSlot) -> PositionProtection:
    """Return the account's adapter as a PositionProtection, or refuse saying what to use instead."""
    adapter = slot.adapter
    if not isinstance(adapter, PositionProtection):
        raise OrderRefused([FieldError("account_id", f"{adapter.account_id}'s broker holds no stop-loss for a "
                                                     "position: protect it with a bracket held by TradeTerm.")])
    return adapter


def check_protection(slot: AccountSlot, portfolio: Portfolio, quotes: QuoteCache, instruments: InstrumentCatalog,
                     symbol: str, stop_loss: object, take_profit: object) -> ProtectionAsked:
    """Return the protection to ask for a long position, or raise OrderRefused naming each bad field."""
    account = slot.adapter.account_id
    position = portfolio.position(account, symbol)
    if position is None or position.quantity <= 0:
        raise OrderRefused([FieldError("symbol", f"{account} holds no {symbol} to protect (a broker-held stop "
                                                 "protects a long holding).")])
    instrument = instruments.find(symbol, account)
    errors_found: list[FieldError] = []
    prices: dict[str, Decimal | None] = {}
    for field, raw in (("stop_loss", stop_loss), ("take_profit", take_profit)):
        prices[field] = None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            value = parse_number(raw, field)
        except NumberError as exc:
            errors_found.append(FieldError(field, exc.problem))
            continue
        if value <= 0 or (instrument is not None and not instrument.is_on_tick(value)):
            tick = "" if instrument is None else f" on {symbol}'s tick of {instrument.tick_size.normalize():f}"
            errors_found.append(FieldError(field, f"Give a positive price{tick}."))
            continue
        prices[field] = value
    if errors_found:
        raise OrderRefused(errors_found)
    bracket = Bracket(prices["stop_loss"], prices["take_profit"])
    if bracket.is_empty:
        raise OrderRefused([FieldError("stop_loss", "Give a stop-loss, a target or both.")])
    quote = quotes.latest(symbol, str(account))
    last = None if quote is None else quote.last if quote.last is not None else quote.bid
    if last is None:
        raise OrderRefused([FieldError("symbol", f"No price for {symbol} on {account}'s feed yet: the broker needs "
                                                 "the last price; wait for quotes.")])
    problems = bracket.problems(Side.BUY, last)
    if problems:
        raise OrderRefused([FieldError(f, m.replace("entry price", "last price")) for f, m in problems])
    return ProtectionAsked(symbol, position.quantity, bracket.stop_loss, bracket.take_profit, last)


async def place_protection(protector: PositionProtection, asked: ProtectionAsked, journal: Journal, actor: str,
                           account: str) -> str:
    """Ask the broker once; audit what it holds now; a refusal comes back as OrderRefused with its reason."""
    try:
        protection_id = await protector.protect_position(asked.symbol, asked.quantity, asked.stop_loss,
                                                         asked.take_profit, asked.last_price)
    except errors.BrokerError as exc:
        raise OrderRefused([FieldError("account_id", str(exc))]) from None
    journal.record_audit(actor, PROTECT_AUDIT, f"{account} {asked.symbol} ×{asked.quantity.normalize():f}: "
                                               f"{protection_id} SL {asked.stop_loss} TP {asked.take_profit}")
    return protection_id

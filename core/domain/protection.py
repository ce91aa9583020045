"""Protective orders: a bracket's stop-loss and take-profit children and the record of a child TradeTerm holds.

A bracket is an entry order with a stop-loss and/or a take-profit, one cancelling the other (OCO). Where the
broker cannot hold the children, TradeTerm holds them: each child is a `HeldChild` journaled with its entry
(in the entry's own transaction), armed when the entry fills (sized to what filled), triggered from the
account's own feed, and sent once under a client order id derived from the entry's, so a restart can tell
whether it went out (`child_order_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from core.domain.enums import Side
from core.domain.identifiers import AccountId, ClientOrderId


class ProtectionLeg(StrEnum):
    """Which child of an entry: a bracket's stop-loss (a market order when touched) or take-profit (a limit when
    touched), or an OTO's order (a limit or a stop sent to the broker as soon as the entry has filled)."""

    STOP_LOSS = "STOP_LOSS"
    TAKE_PROFIT = "TAKE_PROFIT"
    THEN_LIMIT = "THEN_LIMIT"
    THEN_STOP = "THEN_STOP"

    @property
    def fires_on_fill(self) -> bool:
        """True for an OTO's order: sent once its entry has filled, not when the market touches its price."""
        return self in (ProtectionLeg.THEN_LIMIT, ProtectionLeg.THEN_STOP)

    @property
    def is_stop(self) -> bool:
        """True for the legs that sit on the losing side of the entry (a stop-loss, an OTO stop)."""
        return self in (ProtectionLeg.STOP_LOSS, ProtectionLeg.THEN_STOP)

    def letter(self, attempt: int = 0) -> str:
        """The first character of the child's client order id in place of the entry's 'T', per attempt."""
        return _LETTERS[self][attempt]

    @property
    def label(self) -> str:
        return _LABELS[self]


class HeldState(StrEnum):
    """Where a held child is. PENDING: its entry has not filled. ARMED: watching the feed for its trigger.
    TRIGGERED: its child order is journaled (committed together with this state) and sent through the order
    path. CANCELED: the entry was cancelled unfilled, the sibling triggered, the position was closed, or the
    trader cancelled it."""

    PENDING = "PENDING"
    ARMED = "ARMED"
    TRIGGERED = "TRIGGERED"
    CANCELED = "CANCELED"

    @property
    def is_live(self) -> bool:
        """Return True while the child may still be sent (it is journaled and watched)."""
        return self in (HeldState.PENDING, HeldState.ARMED)


HELD_BADGE = "held by TradeTerm: works only while TradeTerm runs and has prices"
"""The badge every held child carries wherever it is shown."""


@dataclass(frozen=True, slots=True)
class Bracket:
    """The children to attach to an entry: a stop-loss and/or a take-profit price (either may be None)."""

    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("stop_loss", "take_profit"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value <= 0):
                raise ValueError(f"{name.replace('_', '-')} must be a positive price, not {value!r}")

    @property
    def is_empty(self) -> bool:
        return self.stop_loss is None and self.take_profit is None

    def problems(self, entry_side: Side, reference: Decimal | None) -> list[tuple[str, str]]:
        """Return (field, message) for each child on the wrong side of the entry's price (reference), if known."""
        found: list[tuple[str, str]] = []
        long = entry_side is Side.BUY
        if self.stop_loss is not None and self.take_profit is not None and (
                (self.stop_loss >= self.take_profit) if long else (self.stop_loss <= self.take_profit)):
            found.append(("stop_loss", f"For a {entry_side.value.lower()} the stop-loss must be "
                                       f"{'below' if long else 'above'} the take-profit."))
        if reference is None:
            return found
        if self.stop_loss is not None and ((self.stop_loss >= reference) if long else (self.stop_loss <= reference)):
            found.append(("stop_loss", f"The stop-loss {self.stop_loss} must be {'below' if long else 'above'} "
                                       f"the entry price {reference}."))
        if self.take_profit is not None and (
                (self.take_profit <= reference) if long else (self.take_profit >= reference)):
            found.append(("take_profit", f"The take-profit {self.take_profit} must be "
                                         f"{'above' if long else 'below'} the entry price {reference}."))
        return found

    def children(self, entry: ClientOrderId, account_id: AccountId, symbol: str, entry_side: Side
                 ) -> tuple[HeldChild, ...]:
        """Return the held children of this bracket for an entry, PENDING with nothing to protect yet."""
        legs = ((ProtectionLeg.STOP_LOSS, self.stop_loss), (ProtectionLeg.TAKE_PROFIT, self.take_profit))
        return tuple(HeldChild(entry, leg, account_id, symbol, entry_side, trigger, HeldState.PENDING, Decimal(0))
                     for leg, trigger in legs if trigger is not None)


BRACKET_LEGS = (ProtectionLeg.STOP_LOSS, ProtectionLeg.TAKE_PROFIT)
"""A bracket's two legs (the OTO legs are not a bracket's)."""

_LETTERS = {ProtectionLeg.STOP_LOSS: "SUWY", ProtectionLeg.TAKE_PROFIT: "PQRV", ProtectionLeg.THEN_LIMIT: "ABCD",
            ProtectionLeg.THEN_STOP: "EFGH"}
_LABELS = {ProtectionLeg.STOP_LOSS: "stop-loss", ProtectionLeg.TAKE_PROFIT: "take-profit",
           ProtectionLeg.THEN_LIMIT: "OTO limit", ProtectionLeg.THEN_STOP: "OTO stop"}
MAX_ATTEMPTS = 4
"""A child whose order the broker never received (TradeTerm stopped between journaling and sending it) is
re-armed under the next attempt's id; after this many it is left to the trader."""


def child_order_id(entry: ClientOrderId, leg: ProtectionLeg, attempt: int = 0) -> ClientOrderId:
    """Return the client order id of a held child: the entry's with its first character set by leg and attempt.

    Deterministic, so the child order of an attempt is journaled under one id whatever happens (the journal
    refuses a second order with it), and as short as the entry's (brokers' reference fields hold 20 characters).
    """
    return ClientOrderId(leg.letter(attempt) + str(entry)[1:])


def same_bracket(child: ClientOrderId, other: ClientOrderId) -> bool:
    """Return True if two children's ids derive from the same entry (`child_order_id`): one cancels the other."""
    return str(child)[1:] == str(other)[1:]


OCO_LETTER = "O"
"""The first character of an OCO's second order's id; its first order's id is the same with the entry's 'T'."""


def oco_partner_id(order: ClientOrderId) -> ClientOrderId | None:
    """Return the id the other order of an OCO pair would have (None for an id that cannot be in one).

    The pair's ids differ only in their first character, 'T' and 'O', as a bracket's children's ids derive from
    their entry's: the link is in the ids, journaled with the orders themselves, and survives any restart.
    """
    text = str(order)
    if text.startswith("T"):
        return ClientOrderId(OCO_LETTER + text[1:])
    if text.startswith(OCO_LETTER):
        return ClientOrderId("T" + text[1:])
    return None


def protected_quantity(entry_filled: Decimal, position: Decimal, entry_side: Side) -> Decimal:
    """Return how much a child may close: what the entry filled, never more than the position left on its side.

    position is the account's signed position in the symbol. A child never exceeds it, so sending it can only
    reduce the position, never take it through zero.
    """
    on_side = position * entry_side.sign
    return max(Decimal(0), min(entry_filled, on_side))


def touched(child: HeldChild, bid: Decimal | None, ask: Decimal | None, last: Decimal | None) -> bool:
    """Return True if the market reached the child's trigger: the price it would close at (bid for a long,
    ask for a short; the last trade when that side is missing) is at or through it. Never for an OTO's order,
    which its entry's fill sends."""
    if child.leg.fires_on_fill:
        return False
    exit_price = (bid if child.entry_side is Side.BUY else ask)
    if exit_price is None:
        exit_price = last
    if exit_price is None:
        return False
    long = child.entry_side is Side.BUY
    if child.leg is ProtectionLeg.STOP_LOSS:
        return exit_price <= child.trigger if long else exit_price >= child.trigger
    return exit_price >= child.trigger if long else exit_price <= child.trigger


@dataclass(frozen=True, slots=True)
class HeldChild:
    """One child of a bracket that TradeTerm holds (journaled; only `with_*` copies change it).

    quantity: what it would close if sent now (the entry's filled quantity, capped by the position).
    """

    entry: ClientOrderId
    leg: ProtectionLeg
    account_id: AccountId
    symbol: str
    entry_side: Side
    trigger: Decimal
    state: HeldState
    quantity: Decimal
    reason: str = ""
    attempt: int = 0
    """Which of MAX_ATTEMPTS ids its child order takes (a new one only when the broker never had the last)."""

    @property
    def key(self) -> tuple[ClientOrderId, ProtectionLeg]:
        return (self.entry, self.leg)

    @property
    def child_id(self) -> ClientOrderId:
        return child_order_id(self.entry, self.leg, self.attempt)

    def rearmed(self, reason: str) -> HeldChild | None:
        """Return this child armed again under its next attempt's id, or None when no attempt is left."""
        if self.attempt + 1 >= MAX_ATTEMPTS:
            return None
        return replace(self, state=HeldState.ARMED, attempt=self.attempt + 1, reason=reason)

    @property
    def exit_side(self) -> Side:
        return Side.SELL if self.entry_side is Side.BUY else Side.BUY

    def sized(self, quantity: Decimal) -> HeldChild:
        """Return this child sized to quantity: ARMED while there is something to protect, else as it was."""
        if not self.state.is_live:
            return self
        state = HeldState.ARMED if quantity > 0 else self.state
        return replace(self, quantity=quantity, state=state)

    def with_state(self, state: HeldState, reason: str = "") -> HeldChild:
        return replace(self, state=state, reason=reason)


_SHORT = {ProtectionLeg.STOP_LOSS: "SL", ProtectionLeg.TAKE_PROFIT: "TP", ProtectionLeg.THEN_LIMIT: "OTO LMT",
          ProtectionLeg.THEN_STOP: "OTO STP"}


@dataclass(frozen=True, slots=True)
class Oto:
    """One-triggers-other: the exit order an entry sends once it has filled, a limit or a stop at `price`.

    Held by TradeTerm it goes to the broker as a real working order as soon as the entry has filled (whole, or
    ended part-filled), sized to what filled; where the broker holds attached orders (IB) it is the entry's one
    attached child there.
    """

    price: Decimal
    stop: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.price, Decimal) or not self.price.is_finite() or self.price <= 0:
            raise ValueError(f"the OTO's price must be a positive price, not {self.price!r}")

    @property
    def leg(self) -> ProtectionLeg:
        return ProtectionLeg.THEN_STOP if self.stop else ProtectionLeg.THEN_LIMIT

    @property
    def as_bracket(self) -> Bracket:
        """The one-legged bracket with the same exit (what a broker holding attached orders is sent)."""
        return Bracket(stop_loss=self.price) if self.stop else Bracket(take_profit=self.price)

    def problems(self, entry_side: Side, reference: Decimal | None) -> list[tuple[str, str]]:
        """Return (field, message) when the exit sits on the wrong side of the entry's price."""
        return [("oto", message.replace(self.leg_word_in_bracket, self.leg.label))
                for _field, message in self.as_bracket.problems(entry_side, reference)]

    @property
    def leg_word_in_bracket(self) -> str:
        return ProtectionLeg.STOP_LOSS.label if self.stop else ProtectionLeg.TAKE_PROFIT.label

    def children(self, entry: ClientOrderId, account_id: AccountId, symbol: str, entry_side: Side
                 ) -> tuple[HeldChild, ...]:
        """Return the held child that sends this exit, PENDING until the entry fills."""
        return (HeldChild(entry, self.leg, account_id, symbol, entry_side, self.price, HeldState.PENDING,
                          Decimal(0)),)


def level_from_ticks(entry_price: Decimal, ticks: Decimal, tick_size: Decimal, entry_side: Side,
                     leg: ProtectionLeg) -> Decimal:
    """Return a child's price `ticks` ticks away from the entry price, on the side that leg sits."""
    away = ticks * tick_size
    below = leg.is_stop == (entry_side is Side.BUY)
    return entry_price - away if below else entry_price + away


def trade_risk(entry_price: Decimal, stop_loss: Decimal, quantity: Decimal, multiplier: Decimal) -> Decimal:
    """Return what the trade loses, in the instrument's currency, if it fills at entry_price and stops out."""
    return abs(entry_price - stop_loss) * quantity * multiplier


def describe_protection(children: Sequence[HeldChild]) -> str:
    """Return one line naming a position's live held children, with the held badge (empty when none)."""
    parts = [f"{_SHORT[c.leg]} {c.trigger} ×{c.quantity.normalize():f}"
             + ("" if c.state is HeldState.ARMED else " (waits for the fill)")
             for c in children if c.state.is_live]
    return f"{' · '.join(parts)} — {HELD_BADGE}" if parts else ""

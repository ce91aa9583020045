"""The Flatten confirm names what it closes: account, direction, quantity and symbol, the first twelve, then a count."""

from __future__ import annotations

from decimal import Decimal

from core.domain import AccountId, Position
from core.domain.product import Product
from gui.controllers.halts import FLATTEN_LISTED, flatten_list
from tests.factories import make_instrument


def position(account: str, symbol: str, quantity: str) -> Position:
    return Position(AccountId(account), make_instrument(symbol), Decimal(quantity))


def test_each_position_is_named_by_account_then_symbol() -> None:
    text = flatten_list([position("IB-1", "MSFT", "-5"), position("PAPER-1", "AAPL", "10.50")])
    assert text.splitlines() == ["IB-1  short 5 MSFT", "PAPER-1  long 10.5 AAPL"]


def test_a_long_list_names_the_first_ones_and_counts_the_rest() -> None:
    many = [position("PAPER-1", f"S{n:02d}", "1") for n in range(FLATTEN_LISTED + 3)]
    lines = flatten_list(many).splitlines()
    assert len(lines) == FLATTEN_LISTED + 1 and lines[-1] == "… and 3 more"


def test_a_symbol_held_per_product_is_named_once_per_product() -> None:
    cnc, mis = (Position(AccountId("KITE-1"), make_instrument("INFY"), Decimal(q), product=p)
                for q, p in (("10", Product.CNC), ("-4", Product.MIS)))
    assert flatten_list([mis, cnc]).splitlines() == ["KITE-1  long 10 INFY · CNC", "KITE-1  short 4 INFY · MIS"]

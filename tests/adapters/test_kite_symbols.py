"""Kite listings named in TradeTerm: INFY on NSE and on BSE are two instruments, whatever Kite reports them in."""

from __future__ import annotations

from decimal import Decimal

from core.adapters.kite.parsing import KiteProduct, KiteVariety, order_params, parse_positions
from core.adapters.kite.symbols import KiteSymbols, split_symbol
from core.domain import Instrument
from tests.factories import make_order


def symbols(shared: frozenset[str] = frozenset()) -> KiteSymbols:
    names = KiteSymbols("NSE", lambda tradingsymbol: tradingsymbol in shared)
    names.remember("INFY", "NSE")
    return names


def test_positions_on_nse_and_bse_stay_apart_instead_of_netting() -> None:
    net = {"net": [
        {"tradingsymbol": "INFY", "exchange": "NSE", "quantity": 10, "average_price": 1520.0},
        {"tradingsymbol": "INFY", "exchange": "BSE", "quantity": -4, "average_price": 1534.0},
        {"tradingsymbol": "HDFCBANK", "exchange": "BSE", "quantity": 2, "average_price": 1650.0},
    ]}
    held = {p.symbol: (p.quantity, p.avg_cost) for p in parse_positions(net, symbols().symbol_of)}
    assert held == {"INFY": (Decimal(10), Decimal(1520)), "BSE:INFY": (Decimal(-4), Decimal(1534)),
                    "HDFCBANK": (Decimal(2), Decimal(1650))}, "a BSE-only listing keeps its bare symbol"


def test_an_order_for_bse_infy_goes_to_bse_with_kites_tradingsymbol() -> None:
    bse = Instrument("BSE:INFY", "BSE", "INR", Decimal("0.05"))
    params = order_params(make_order(instrument=bse, limit_price="1534.00"), KiteProduct.CNC, KiteVariety.REGULAR)
    assert (params["exchange"], params["tradingsymbol"]) == ("BSE", "INFY")


def test_a_listing_shared_in_todays_lists_is_qualified_before_the_account_has_seen_it() -> None:
    names = KiteSymbols("NSE", lambda tradingsymbol: tradingsymbol == "SBIN")
    assert names.symbol_of("BSE", "SBIN") == "BSE:SBIN"
    assert names.symbol_of("NSE", "SBIN") == "SBIN"
    assert names.symbol_of("NFO", "NIFTY26DECFUT") == "NIFTY26DECFUT"
    assert split_symbol("NIFTY 50") == (None, "NIFTY 50") and split_symbol("BSE:INFY") == ("BSE", "INFY")

"""The positions checkpoint's stored text: every folded figure comes back exactly, an older TradeTerm's checkpoint
is still read (an upgrade must not make a restart fold every fill again), and a damaged one is refused."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.domain import AccountId, Instrument, Position, StrategyId
from core.domain.enums import AssetClass
from core.domain.product import Product
from core.ports.journal import JournalError
from core.ports.journal_restore import PositionsCheckpoint
from core.storage.checkpoint_codec import FORMAT, INSTRUMENT_FIELDS, decode_checkpoint, encode_checkpoint
from tests.factories import make_instrument

IB, KITE = AccountId("IB-1"), AccountId("KITE-1")
ES = make_instrument("ESZ6", tick_size="0.25", multiplier="50")
INFY = make_instrument("INFY", currency="INR", tick_size="0.05")
NIFTY = Instrument("NIFTY26DECFUT", "NFO", "INR", Decimal("0.05"), lot_size=Decimal(75), asset_class=AssetClass.FUTURE,
                   name="NIFTY DEC FUT", max_order_qty=Decimal(1800))
WRITTEN_BY_FORMAT_2 = (  # what TradeTerm wrote until 2026-12-07 (bench/restore's journals, traders' journals)
    '{"day_start":"2026-03-02T05:00:00+00:00","fills_through":7,"format":2,"instrument_table":[{"asset_class":"STK",'
    '"currency":"USD","lot_size":"1","max_order_qty":null,"multiplier":"50","name":"","symbol":"ESZ6",'
    '"tick_size":"0.25","venue":"SMART"},{"asset_class":"STK","currency":"INR","lot_size":"1","max_order_qty":null,'
    '"multiplier":"1","name":"","symbol":"INFY","tick_size":"0.05","venue":"SMART"}],"instruments":[["IB-1",0],'
    '["KITE-1",1]],"newest":[["IB-1","ESZ6","2026-03-02T14:00:01+00:00"]],"orders_through":9,"positions":['
    '{"account_id":"IB-1","avg_cost":"4000.375","day_fees":"0","day_trade_cash":"0","fees":"2.50","instrument":0,'
    '"product":null,"quantity":"2","realized_pnl":"-12.5","sod_avg_cost":"3999.25","sod_quantity":"1"},'
    '{"account_id":"KITE-1","avg_cost":"1500.05","day_fees":"0.5","day_trade_cash":"-6000.20","fees":"0",'
    '"instrument":1,"product":"MIS","quantity":"4","realized_pnl":"0","sod_avg_cost":"0","sod_quantity":"0"}],'
    '"strategy_positions":[["momo",{"account_id":"IB-1","avg_cost":"4000.25","day_fees":"0","day_trade_cash":"0",'
    '"fees":"0","instrument":0,"product":null,"quantity":"1","realized_pnl":"0","sod_avg_cost":"0",'
    '"sod_quantity":"0"}]],"unplaced":[["IB-1","MSFT"]]}'
)


def checkpoint(*extra: Position) -> PositionsCheckpoint:
    return PositionsCheckpoint(
        day_start=datetime(2026, 3, 2, 5, 0, tzinfo=UTC), fills_through=7, orders_through=9,
        newest={(IB, "ESZ6"): datetime(2026, 3, 2, 14, 0, 1, tzinfo=UTC)},
        positions=(Position(IB, ES, quantity=Decimal(2), avg_cost=Decimal("4000.375"), realized_pnl=Decimal("-12.5"),
                            fees=Decimal("2.50"), sod_quantity=Decimal(1), sod_avg_cost=Decimal("3999.25")),
                   Position(KITE, INFY, quantity=Decimal(4), avg_cost=Decimal("1500.05"), product=Product.MIS,
                            day_trade_cash=Decimal("-6000.20"), day_fees=Decimal("0.5")), *extra),
        strategy_positions=((StrategyId("momo"), Position(IB, ES, quantity=Decimal(1), avg_cost=Decimal("4000.25"))),),
        instruments=((IB, ES), (KITE, INFY)), unplaced=frozenset({(IB, "MSFT")}))


def figures(state: PositionsCheckpoint | None) -> dict[str, object]:
    """What a restart takes from the checkpoint, positions as their field values (Position compares by identity)."""
    assert state is not None

    def row(p: Position) -> tuple[object, ...]:
        return tuple((f.name, getattr(p, f.name)) for f in dataclasses.fields(p))

    return {"day_start": state.day_start, "through": (state.fills_through, state.orders_through),
            "newest": state.newest, "positions": [row(p) for p in state.positions],
            "strategy_positions": [(s, row(p)) for s, p in state.strategy_positions],
            "instruments": state.instruments, "unplaced": state.unplaced}


def test_a_checkpoint_the_previous_tradeterm_wrote_is_read_as_it_was_written() -> None:
    assert figures(decode_checkpoint(WRITTEN_BY_FORMAT_2)) == figures(checkpoint())


def test_a_checkpoint_is_written_as_rows_and_reads_back_every_figure_exactly() -> None:
    nifty = Position(KITE, NIFTY, quantity=Decimal(-150), avg_cost=Decimal("24010.05"), product=Product.NRML,
                     realized_pnl=Decimal("1E+2"), fees=Decimal("0.000"))
    state = dataclasses.replace(checkpoint(nifty), instruments=((IB, ES), (KITE, INFY), (KITE, NIFTY)))
    text = encode_checkpoint(state)
    stored = json.loads(text)
    assert stored["format"] == FORMAT == 3
    assert all(isinstance(row, list) for row in stored["positions"] + stored["instrument_table"])
    back = decode_checkpoint(text)
    assert figures(back) == figures(state)
    assert back is not None and str(back.positions[2].fees) == "0.000" and back.instruments[2][1] == NIFTY
    assert encode_checkpoint(back) == text


def test_the_checkpoint_stores_every_field_of_an_instrument() -> None:
    assert set(INSTRUMENT_FIELDS) == {f.name for f in dataclasses.fields(Instrument)}


def test_a_checkpoint_of_an_unknown_format_is_not_used() -> None:
    assert decode_checkpoint('{"format": 99}') is None
    assert decode_checkpoint("[]") is None


@pytest.mark.parametrize("damage", [
    lambda s: s.update(positions=[["IB-1", 0, None, "2"]]),  # a short row
    lambda s: s.update(instrument_fields=[*s["instrument_fields"], "colour"]),
    lambda s: s["positions"][0].__setitem__(3, "NaN"),
    lambda s: s["positions"][0].__setitem__(3, 2.5),  # a float, never written
    lambda s: s["positions"][0].__setitem__(1, 7),  # no such instrument
    lambda s: s["positions"][0].__setitem__(2, "XYZ"),  # no such product
    lambda s: s.pop("newest"),
])
def test_a_damaged_checkpoint_is_refused_as_damaged(damage: object) -> None:
    stored = json.loads(encode_checkpoint(checkpoint()))
    damage(stored)  # type: ignore[operator]
    with pytest.raises(JournalError, match=r"positions checkpoint|stored JSON"):
        decode_checkpoint(json.dumps(stored))

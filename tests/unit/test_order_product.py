"""An order's product (CNC, MIS, NRML) and an instrument's freeze quantity: checked on the request, journaled."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

from core.domain import AccountId, AssetClass, Instrument, OrderRequest, OrderType, Side, validate_request
from core.domain.product import Product
from core.storage.journal import SqliteJournal
from core.storage.schema import SCHEMA_VERSION
from tests.factories import make_order

NIFTY_FUT = Instrument("NIFTY26DECFUT", "NFO", "INR", Decimal("0.05"), lot_size=Decimal(75),
                       asset_class=AssetClass.FUTURE, max_order_qty=Decimal(1800))
KITE = AccountId("KITE-1")


def request(quantity: str, product: object = None) -> OrderRequest:
    return OrderRequest(KITE, "NIFTY26DECFUT", Side.BUY, quantity, OrderType.LIMIT, "24400", product=product)


def test_a_quantity_above_the_freeze_quantity_is_refused_with_how_to_split_it() -> None:
    valid, errors = validate_request(request("1875"), NIFTY_FUT)
    assert valid is None
    assert [(e.field, e.message) for e in errors] == [(
        "quantity", "1875 is above NIFTY26DECFUT's freeze quantity: the exchange takes at most 1800 (24 lots) in "
                    "one order. Split it into 2 orders of at most 1800.")]
    valid, errors = validate_request(request("1800"), NIFTY_FUT)
    assert valid is not None and errors == []


def test_the_product_is_read_and_one_that_does_not_fit_the_instrument_is_refused() -> None:
    valid, _ = validate_request(request("75", "mis"), NIFTY_FUT)
    assert valid is not None and valid.product is Product.MIS
    _, errors = validate_request(request("75", "CNC"), NIFTY_FUT)
    assert [(e.field, e.message) for e in errors] == [(
        "product", "CNC · delivery does not apply to NIFTY26DECFUT (future): choose NRML · F&O overnight or "
                   "MIS · intraday.")]
    _, errors = validate_request(request("75", "BO"), NIFTY_FUT)
    assert [e.field for e in errors] == ["product"] and "CNC, MIS, NRML" in errors[0].message


def test_the_journal_keeps_each_orders_product_and_its_instruments_freeze_quantity(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with SqliteJournal(path) as journal:
        journal.record_order(make_order(instrument=NIFTY_FUT, quantity="75", limit_price="24400",
                                        client_order_id="NRML1", product=Product.NRML))
        journal.record_order(make_order(client_order_id="PLAIN1"))
    with SqliteJournal(path) as journal:
        orders = {o.client_order_id: o for o in journal.load().orders}
    assert orders["NRML1"].product is Product.NRML and orders["PLAIN1"].product is None
    assert orders["NRML1"].instrument.max_order_qty == Decimal(1800)


def test_a_journal_of_format_4_opens_and_its_orders_have_the_accounts_default_product(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with SqliteJournal(path) as journal:
        journal.record_order(make_order(client_order_id="OLD1"))
    with closing(sqlite3.connect(path)) as conn:  # as the previous TradeTerm left it
        conn.execute("ALTER TABLE orders DROP COLUMN expire_at")  # format 8's
        conn.execute("ALTER TABLE orders DROP COLUMN trail_limit_offset")  # format 7's
        conn.execute("ALTER TABLE orders DROP COLUMN trail")  # format 6's
        conn.execute("ALTER TABLE orders DROP COLUMN product")
        instrument = json.loads(conn.execute("SELECT instrument FROM orders").fetchone()[0])
        del instrument["max_order_qty"]  # instruments were journaled without a freeze quantity
        conn.execute("UPDATE orders SET instrument = ?", (json.dumps(instrument),))
        conn.execute("PRAGMA user_version = 4")
        conn.commit()
    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        (old,) = journal.load().orders
        assert old.client_order_id == "OLD1" and old.product is None and old.instrument.max_order_qty is None


def test_a_fill_keeps_the_product_the_broker_booked_it_in_and_an_older_fill_has_none(tmp_path: Path) -> None:
    from dataclasses import replace

    from tests.factories import make_fill

    journal = SqliteJournal(tmp_path / "journal.sqlite")
    outside = replace(make_fill(symbol="INFY", account_id=KITE, trade_id="T-MIS"), product=Product.MIS)
    older = make_fill(symbol="INFY", account_id=KITE, trade_id="T-OLD")
    assert journal.record_fill(outside) and journal.record_fill(older)
    journal.close()
    with closing(sqlite3.connect(tmp_path / "journal.sqlite")) as conn:
        stored = dict(conn.execute("SELECT trade_id, fill FROM fills").fetchall())
    assert "product" not in json.loads(stored["T-OLD"]), "a fill without a product is written as before"
    reopened = SqliteJournal(tmp_path / "journal.sqlite")
    products = {f.trade_id: f.product for f in reopened.load().fills}
    reopened.close()
    assert products == {"T-MIS": Product.MIS, "T-OLD": None}

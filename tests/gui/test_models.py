"""Grid models: Qt model contract, what the cells say, and that updates cost one repaint per frame."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from ib_async import Contract, Ticker
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTableView, QVBoxLayout, QWidget

from core.adapters.ib.parsing import parse_quote
from core.domain import Quote, Side
from gui.models.columns import GAIN, LOSS, RIGHT, Column
from gui.models.flusher import FrameFlusher
from gui.models.format import DASH, fmt_money, fmt_percent, fmt_price, fmt_qty, fmt_signed, fmt_time
from gui.models.orders import OrdersTableModel
from gui.models.positions import PositionsTableModel
from gui.models.quotes import QuotesTableModel
from gui.models.table_model import KeyRole, RawRole, RowTableModel
from tests.factories import make_fill, make_instrument, make_order
from tests.gui.model_checks import FOREGROUND, SignalLog, cell, position, quote, texts

D = Decimal


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def grid_host(qtbot) -> Iterator[tuple[QWidget, QTableView]]:
    """A shown widget holding one table view, ~10 rows high."""
    host = QWidget()
    qtbot.addWidget(host)
    view = QTableView(host)
    QVBoxLayout(host).addWidget(view)
    host.resize(900, 360)
    host.show()
    qtbot.waitExposed(host)
    yield host, view


# --- format -------------------------------------------------------------------------------------


def test_format_helpers_show_decimals_the_way_a_trader_reads_them() -> None:
    assert fmt_price(D("1234567.891"), 2) == "1,234,567.89"
    assert fmt_price(D("1.0835"), 5) == "1.08350"
    assert fmt_price(None) == DASH == "—"
    assert fmt_signed(D("1234.5")) == "+1,234.50"
    assert fmt_signed(D("-12")) == "-12.00"
    assert fmt_signed(D("-0.001")) == "0.00"
    assert fmt_percent(D("1.2345")) == "+1.23%"
    assert fmt_qty(D("100")) == "100"
    assert fmt_qty(D("1500.500")) == "1,500.5"
    assert fmt_qty(D("-25")) == "-25"
    assert fmt_qty(D("0.000")) == "0"
    assert fmt_money(D("0.0035")) == "0.0035"
    assert fmt_money(D("1")) == "1.00"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", fmt_time(datetime(2024, 3, 1, 14, 30, 5, tzinfo=UTC)))
    local = datetime(2024, 3, 1, 14, 30, 5, tzinfo=UTC).astimezone()
    assert fmt_time(datetime(2024, 3, 1, 14, 30, 5, tzinfo=UTC)) == local.strftime("%H:%M:%S")
    moments = [datetime(2024, 3, 1, 14, 30, 5, 999_999, tzinfo=UTC), datetime(2024, 3, 1, 14, 30, 6, tzinfo=UTC),
               datetime(2024, 3, 1, 15, 30, 6, 1, tzinfo=timezone(timedelta(hours=1)))]  # same instant as the 2nd
    assert [fmt_time(m) for m in moments] == [m.astimezone().strftime("%H:%M:%S") for m in moments]


# --- quotes -------------------------------------------------------------------------------------


def test_quotes_model_passes_the_model_testers_through_inserts_updates_and_removals(checked) -> None:
    model = checked(QuotesTableModel())
    model.set_instruments([make_instrument("AAPL"), make_instrument("EURUSD", tick_size="0.00005")])
    for symbol in ("AAPL", "EURUSD", "MSFT"):
        model.show_quote(quote(symbol, bid="1.1", ask="1.2", last="1.15", close="1.0", volume="10"))
    model.flush()
    model.show_quote(quote("AAPL", last="2"))
    model.remove("EURUSD")
    model.show_quote(quote("IBM", last="150"))
    model.flush()
    assert list(model.row_keys()) == ["AAPL", "MSFT", "IBM"]
    model.clear()
    assert model.rowCount() == 0


def test_quotes_show_prices_with_instrument_places_dashes_for_missing_fields_and_colored_change() -> None:
    model = QuotesTableModel()
    model.set_instruments([make_instrument("BRK", tick_size="0.01"), make_instrument("EURUSD", tick_size="0.00005")])
    model.show_quote(quote("BRK", bid="612345.5", ask="612350", last="612348.25", close="600000", volume="12345"))
    model.show_quote(quote("EURUSD", bid="1.0835", last="1.0830", close="1.0840"))
    model.show_quote(quote("NEW"))
    model.flush()

    assert texts(model, "BRK") == {
        "symbol": "BRK", "bid": "612,345.50", "ask": "612,350.00", "last": "612,348.25",
        "change": "+12,348.25", "change_pct": "+2.06%", "volume": "12,345", "currency": "USD", "feed": "auto",
        "name": DASH,
    }
    assert cell(model, "BRK", "change", FOREGROUND) == GAIN
    assert cell(model, "EURUSD", "bid") == "1.08350"
    assert cell(model, "EURUSD", "ask") == DASH
    assert cell(model, "EURUSD", "volume") == DASH
    assert cell(model, "EURUSD", "change") == "-0.00100"
    assert cell(model, "EURUSD", "change_pct", FOREGROUND) == LOSS
    assert set(texts(model, "NEW").values()) == {"NEW", DASH, "auto"}  # auto: quoted from its first feed
    assert cell(model, "NEW", "change", FOREGROUND) is None
    assert cell(model, "BRK", "bid", Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) is None
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Chg"


def test_a_change_that_rounds_to_zero_percent_is_not_colored_but_its_price_change_is() -> None:
    model = QuotesTableModel()
    model.show_quote(quote("BRK", last="612320", close="612300"))  # +20.00 is +0.0033 %
    model.flush()
    assert cell(model, "BRK", "change") == "+20.00" and cell(model, "BRK", "change", FOREGROUND) == GAIN
    assert cell(model, "BRK", "change_pct") == "0.00%" and cell(model, "BRK", "change_pct", FOREGROUND) is None


def test_an_fx_row_without_a_last_trade_measures_its_change_from_the_mid() -> None:
    model = QuotesTableModel()
    model.set_instruments([make_instrument("EUR_USD", tick_size="0.00001"), make_instrument("EUR.USD", tick_size=
                          "0.00005"), make_instrument("AAPL")])
    model.show_quote(quote("EUR_USD", bid="1.08500", ask="1.08502", close="1.08391"))  # OANDA: no trades, no volume
    model.show_quote(quote("AAPL", bid="189.50", ask="189.60", last="189.00", close="188.00"))
    model.show_quote(quote("GBP_USD", bid="1.27100", close="1.27000"))  # one side only: no mid yet
    ticker = Ticker(contract=Contract(conId=12087792, secType="CASH"))  # IB's EUR.USD: bid, ask, close tick (9)
    ticker.bid, ticker.bidSize, ticker.ask, ticker.askSize, ticker.close = 1.0850, 1e6, 1.08505, 2e6, 1.0862
    model.show_quote(parse_quote("EUR.USD", ticker, source="IB-1"))
    model.flush()
    assert cell(model, "EUR_USD", "change") == "+0.00110"  # (1.08500 + 1.08502) / 2 - 1.08391
    assert cell(model, "EUR_USD", "change_pct") == "+0.10%" and cell(model, "EUR_USD", "change", FOREGROUND) == GAIN
    assert cell(model, "EUR_USD", "last") == DASH and cell(model, "EUR_USD", "volume") == DASH
    assert cell(model, "EUR.USD", "change") == "-0.00118" and cell(model, "EUR.USD", "change_pct") == "-0.11%"
    assert cell(model, "AAPL", "change") == "+1.00", "a stock's change is from its last trade, not its mid"
    assert cell(model, "GBP_USD", "change") == DASH and cell(model, "GBP_USD", "change_pct") == DASH


def test_a_merged_quote_updates_its_row_in_the_same_row_object() -> None:
    model = QuotesTableModel()
    model.show_quote(quote("AAPL", bid="10", ask="11", last="10.5"))
    model.flush()
    row = model.row_at(0)
    model.show_quote(quote("AAPL", bid="10", ask="11", last="10.75"))  # merged upstream (QuoteCache)
    model.flush()
    assert model.row_at(0) is row
    assert model.data(model.index(0, 0), RawRole) is row
    assert model.data(model.index(0, 0), KeyRole) == "AAPL"
    assert (cell(model, "AAPL", "bid"), cell(model, "AAPL", "last")) == ("10.00", "10.75")


def test_instruments_learned_later_reformat_the_rows_already_shown() -> None:
    model = QuotesTableModel()
    model.watch(["EURUSD"])
    model.show_quote(quote("EURUSD", bid="1.0835"))
    model.flush()
    assert cell(model, "EURUSD", "bid") == "1.08"
    model.set_instruments([make_instrument("EURUSD", tick_size="0.00001")])
    model.flush()
    assert cell(model, "EURUSD", "bid") == "1.08350"


# --- the frame flush ----------------------------------------------------------------------------


def test_ten_thousand_upserts_repaint_once_and_only_the_visible_rows(grid_host) -> None:
    _, view = grid_host
    model = QuotesTableModel()
    symbols = [f"S{i:04d}" for i in range(1000)]
    model.watch(symbols)
    model.attach_view(view)
    model.flush()
    first, last = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
    assert 0 == first < last < 100
    log = SignalLog(model)

    for round_ in range(10):
        for i, symbol in enumerate(symbols):
            model.show_quote(quote(symbol, bid=f"{i}.{round_}", ask=f"{i + 1}", last=f"{i}.5", close=f"{i}"))
    model.flush()

    assert len(log.changed) == 1
    top, bottom, left, right = log.changed[0]
    assert first <= top <= bottom <= last
    assert (left, right) == (0, len(model.columns) - 1)
    assert (log.inserted, log.removed) == ([], [])
    for i in (first, last, 500, 999):
        assert cell(model, symbols[i], "bid") == f"{i:,}.90"
        assert cell(model, symbols[i], "last") == f"{i:,}.50"

    model.flush()
    assert len(log.changed) == 1, "a flush with nothing pending repaints nothing"


def test_flush_formats_only_visible_dirty_rows_and_the_rest_on_demand() -> None:
    calls: list[int] = []

    def counted(row: dict[str, int]) -> str:
        calls.append(row["id"])
        return str(row["value"])

    model = RowTableModel([Column("value", "Value", counted)])
    for i in range(1000):
        model.upsert(i, {"id": i, "value": 0})
    model.flush()
    model.set_visible_probe(lambda: (100, 109))
    log = SignalLog(model)
    for i in range(1000):
        model.upsert(i, {"id": i, "value": 7})
    calls.clear()
    model.flush()

    assert sorted(calls) == list(range(100, 110))
    assert log.changed == [(100, 109, 0, 0)]
    assert model.data(model.index(500, 0)) == "7"
    assert calls[-1] == 500

    model.set_visible_probe(lambda: None)
    model.upsert(105, {"id": 105, "value": 8})
    model.flush()
    assert len(log.changed) == 1, "a hidden view gets no repaint"
    assert model.data(model.index(105, 0)) == "8"


def test_sorted_inserts_arrive_in_contiguous_blocks_and_removals_are_applied_at_flush(checked) -> None:
    model = checked(RowTableModel([Column("n", "N", str)], sort_key=lambda n: n, descending=True))
    log = SignalLog(model)
    for n in (10, 30, 20):
        model.upsert(n, n)
    model.flush()
    assert list(model.row_keys()) == [30, 20, 10]
    assert log.inserted == [(0, 2)]

    for n in (35, 40, 25, 5):
        model.upsert(n, n)
    model.remove(20)
    model.remove(99)
    model.upsert(7, 7)
    model.remove(7)
    model.flush()
    assert list(model.row_keys()) == [40, 35, 30, 25, 10, 5]
    assert log.removed == [(1, 1)]
    assert log.inserted[1:] == [(2, 2), (1, 1), (0, 1)], "blocks go in bottom first, one signal each"

    model.remove(30)
    model.upsert(30, 30)
    model.flush()
    assert list(model.row_keys()) == [40, 35, 30, 25, 10, 5], "an upsert after a remove in one frame keeps the row"


# --- the frame flusher --------------------------------------------------------------------------


async def settle(flusher: FrameFlusher, timeout: float = 5.0) -> None:
    """Let the qasync loop run until the flusher's timer has stopped."""
    deadline = time.monotonic() + timeout
    await asyncio.sleep(flusher.interval_ms / 1000)
    while flusher.is_ticking and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def test_frame_flusher_coalesces_a_burst_into_one_flush_and_then_stops() -> None:
    flusher = FrameFlusher(hz=30)
    quotes, orders = QuotesTableModel(), OrdersTableModel()
    flusher.register(quotes)
    flusher.register(orders)
    ticks: list[int] = []
    flusher.flushed.connect(ticks.append)
    assert not flusher.is_ticking

    for round_ in range(10):
        for i in range(1000):
            quotes.show_quote(quote(f"S{i:04d}", last=f"{i}.{round_}"))
    assert flusher.is_ticking and quotes.has_pending
    await settle(flusher)

    assert ticks == [1], "one flush of one model for the whole burst"
    assert not quotes.has_pending and not flusher.is_ticking
    assert quotes.rowCount() == 1000
    assert cell(quotes, "S0999", "last") == "999.90"

    orders.update_order(make_order(client_order_id="TWAKE"))
    assert flusher.is_ticking, "the next upsert restarts the timer"
    await settle(flusher)
    assert ticks == [1, 1]
    assert orders.rowCount() == 1


async def test_frame_flusher_flushes_a_steady_stream_at_most_once_per_frame() -> None:
    flusher = FrameFlusher(hz=50)
    model = QuotesTableModel()
    flusher.register(model)
    flushes: list[float] = []
    original = model.flush

    def counted_flush() -> None:
        flushes.append(time.monotonic())
        original()

    model.flush = counted_flush
    started = time.monotonic()
    for step in range(40):
        for i in range(250):
            model.show_quote(quote(f"S{i:03d}", bid=f"{step}"))
        await asyncio.sleep(0.002)
    await settle(flusher)
    elapsed_ms = (time.monotonic() - started) * 1000

    assert 1 <= len(flushes) <= elapsed_ms / (flusher.interval_ms * 0.9) + 1
    assert all(b - a >= flusher.interval_ms * 0.9 / 1000 for a, b in itertools.pairwise(flushes))
    assert cell(model, "S249", "bid") == "39.00"
    flusher.unregister(model)
    model.show_quote(quote("S000", bid="1"))
    assert not flusher.is_ticking


def test_frame_flusher_refuses_a_non_positive_rate() -> None:
    with pytest.raises(ValueError, match="hz"):
        FrameFlusher(hz=0)


def test_flush_now_applies_pending_work_at_once(qtbot) -> None:
    flusher = FrameFlusher()
    model = QuotesTableModel()
    flusher.register(model)
    model.show_quote(quote("AAPL", last="1"))
    with qtbot.waitSignal(flusher.flushed, timeout=1000):
        flusher.flush_now()
    assert model.rowCount() == 1 and not flusher.is_ticking


# --- painting -----------------------------------------------------------------------------------


def test_a_populated_grid_paints_offscreen_with_pnl_colors(grid_host, tmp_path) -> None:
    _, view = grid_host
    model = PositionsTableModel()
    model.attach_view(view)
    for i, (last, side) in enumerate([("110", Side.BUY), ("90", Side.BUY), ("120", Side.SELL)] * 5):
        item = position(f"SYM{i:02d}")
        item.apply(make_fill(symbol=f"SYM{i:02d}", side=side, quantity="1000", price="100"))
        item.mark(D(last), prev_close=D("100"))
        model.update_position(item)
    model.flush()
    view.resizeColumnsToContents()

    image = view.grab().toImage()
    path = tmp_path / "positions.png"
    assert image.save(str(path))
    assert path.stat().st_size > 1000
    loaded = QImage(str(path))
    assert not loaded.isNull() and loaded.width() > 0
    pixels = [loaded.pixelColor(x, y).getRgb()[:3] for x in range(loaded.width()) for y in range(loaded.height())]
    assert len(set(pixels)) > 10, "text was painted"
    assert any(g > 120 and r < 90 for r, g, _ in pixels), "a gain is painted green"
    assert any(r > 180 and g < 90 for r, g, _ in pixels), "a loss is painted red"


def test_a_watchlist_row_moves_keeps_its_figures_and_shows_its_feed_or_its_feeds_error(checked) -> None:
    model = checked(QuotesTableModel())
    model.listed_only = True
    model.set_instruments([make_instrument("AAPL"), make_instrument("SAP", currency="EUR")])
    model.set_feed("SAP", "IB-1")
    model.watch(["AAPL", "MSFT", "SAP"])
    model.show_quotes({"AAPL": Quote("AAPL", bid=Decimal("1.10"), source="PAPER-1"),
                       "IBM": Quote("IBM", bid=Decimal("2"), source="PAPER-1")})
    model.flush()
    assert list(model.row_keys()) == ["AAPL", "MSFT", "SAP"], "a quote of an unlisted symbol adds no row"
    model.move("SAP", 0)
    model.move("AAPL", 2)
    assert list(model.row_keys()) == ["SAP", "MSFT", "AAPL"]
    texts = {key: [model.cell(model.row_of(key), c)[0] for c in range(model.columnCount())] for key in ("AAPL", "SAP")}
    headers = [c.key for c in model.columns]
    assert texts["AAPL"][headers.index("bid")] == "1.10", "its figures moved with it"
    assert texts["AAPL"][headers.index("feed")] == "auto: PAPER-1"
    assert texts["SAP"][headers.index("feed")] == "IB-1" and texts["SAP"][headers.index("currency")] == "EUR"
    model.set_error("SAP", "IB-1 error 101: Max number of tickers has been reached")
    model.flush()
    cell, color = model.cell(model.row_of("SAP"), headers.index("feed"))
    assert cell.startswith("⚠ IB-1 error 101") and color is not None
    model.show_quote(Quote("SAP", bid=Decimal("120.5"), source="IB-1"))
    model.flush()
    assert model.cell(model.row_of("SAP"), headers.index("feed"))[0] == "IB-1", "a quote clears the error"

"""Realized P&L per closed trade, FIFO, against examples worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.domain import Side
from core.domain.fifo import closed_trades
from tests.factories import make_fill

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def fill(side: Side, qty: str, price: str, minutes: int, commission: str = "0", symbol: str = "AAPL",
         trade: str | None = None) -> tuple:
    return (make_fill(side=side, quantity=qty, price=price, commission=commission, symbol=symbol,
                      trade_id=trade, ts=T0 + timedelta(minutes=minutes)), Decimal(1), "USD")


def test_a_sale_closes_the_oldest_lots_first() -> None:
    # Buy 100 @ 10 (commission 1), buy 100 @ 12 (commission 1), sell 150 @ 15 (commission 1.50).
    # FIFO: 100 of lot 1: (15-10)*100 = 500, commission 1 + 1.50*100/150 = 2.00 -> net 498
    #        50 of lot 2: (15-12)*50 = 150, commission 1*50/100 + 1.50*50/150 = 0.5 + 0.5 = 1.00 -> net 149
    trades = list(closed_trades([
        fill(Side.BUY, "100", "10", 0, "1", trade="B1"), fill(Side.BUY, "100", "12", 1, "1", trade="B2"),
        fill(Side.SELL, "150", "15", 2, "1.50", trade="S1"),
    ]))
    assert [(t.open_trade_id, t.close_trade_id, t.quantity, t.gross_pnl, t.commission, t.net_pnl) for t in trades] == [
        ("B1", "S1", Decimal(100), Decimal(500), Decimal("2.00"), Decimal("498.00")),
        ("B2", "S1", Decimal(50), Decimal(150), Decimal("1.00"), Decimal("149.00")),
    ]
    assert all(t.direction == "LONG" for t in trades)


def test_a_short_is_closed_by_a_buy_and_a_sale_through_zero_opens_a_short() -> None:
    # Buy 10 @ 100; sell 15 @ 110 closes the 10 (+100) and opens a short of 5 @ 110;
    # buy 5 @ 104 covers it: (110 - 104) * 5 = +30.
    trades = list(closed_trades([
        fill(Side.BUY, "10", "100", 0), fill(Side.SELL, "15", "110", 1), fill(Side.BUY, "5", "104", 2),
    ]))
    assert [(t.direction, t.quantity, t.open_price, t.close_price, t.gross_pnl) for t in trades] == [
        ("LONG", Decimal(10), Decimal(100), Decimal(110), Decimal(100)),
        ("SHORT", Decimal(5), Decimal(110), Decimal(104), Decimal(30)),
    ]


def test_the_multiplier_scales_the_pnl_and_symbols_keep_separate_lots() -> None:
    es_buy = (make_fill(side=Side.BUY, quantity="2", price="5000", symbol="ES", ts=T0), Decimal(50), "USD")
    es_sell = (make_fill(side=Side.SELL, quantity="2", price="5010.25", symbol="ES", ts=T0 + timedelta(hours=1)),
               Decimal(50), "USD")
    trades = list(closed_trades([es_buy, fill(Side.SELL, "3", "20", 5, symbol="MSFT"), es_sell]))
    assert [(t.symbol, t.gross_pnl) for t in trades] == [("ES", Decimal("1025.00"))]  # 10.25 * 2 * 50


def test_a_commission_in_another_currency_is_shown_apart_from_the_net() -> None:
    buy = (make_fill(side=Side.BUY, quantity="1", price="10", commission="1", ts=T0), Decimal(1), "EUR")
    sell = (make_fill(side=Side.SELL, quantity="1", price="11", commission="1", ts=T0 + timedelta(1)),
            Decimal(1), "EUR")
    (trade,) = closed_trades([buy, sell])
    assert trade.gross_pnl == Decimal(1) and trade.commission == Decimal(2)
    assert trade.commission_currency == "USD" and trade.net_pnl is None

"""Price and P&L alerts: each fires once when its level is reached, and reads back from settings as it was saved."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.domain import Quote
from core.services.alerts import AlertBook, AlertsError, Direction, MoveAlert, PnlAlert, PriceAlert, Reference

NOW = datetime(2026, 12, 6, 11, 30, tzinfo=UTC)
D = Decimal


def quotes(**last: str) -> dict[str, Quote]:
    return {symbol: Quote(symbol, None, None, D(price), source="PAPER-1") for symbol, price in last.items()}


def test_a_price_alert_fires_once_at_its_level_and_not_before() -> None:
    saves: list[int] = []
    book = AlertBook(changed=lambda: saves.append(1))
    book.add(PriceAlert("A1", "PAPER-1", "AAPL", Direction.ABOVE, D("190.00")))
    book.add(PriceAlert("A2", "PAPER-1", "AAPL", Direction.BELOW, D("180.00")))
    market = quotes(AAPL="189.99")
    check = lambda: book.check(lambda s, _a: market.get(s), lambda _a: {}, NOW)  # noqa: E731
    assert check() == []
    market = quotes(AAPL="190.00")
    (fired,) = check()
    assert fired.alert.alert_id == "A1" and fired.alert.fired_at == NOW
    assert fired.text == "Price alert: AAPL is at 190.00, above 190.00 (PAPER-1's feed)."
    market = quotes(AAPL="200")
    assert check() == [], "fired once"
    assert [a.alert_id for a in book.armed()] == ["A2"] and len(saves) == 3


def test_without_a_last_trade_the_mid_is_compared() -> None:
    book = AlertBook([PriceAlert("A1", "PAPER-1", "EURUSD", Direction.BELOW, D("1.0800"))])
    quote = Quote("EURUSD", D("1.0799"), D("1.0801"), None, source="PAPER-1")
    (fired,) = book.check(lambda _s, _a: quote, lambda _a: {}, NOW)
    assert "EURUSD is at 1.0800" in fired.text


def test_a_pnl_alert_fires_when_the_day_pnl_in_any_currency_falls_to_its_level() -> None:
    book = AlertBook([PnlAlert("A1", "PAPER-1", D("-500"))])
    pnl = {"USD": D("-499.99")}
    assert book.check(lambda _s, _a: None, lambda _a: pnl, NOW) == []
    pnl = {"CNY": D("12"), "USD": D("-500")}
    (fired,) = book.check(lambda _s, _a: None, lambda _a: pnl, NOW)
    assert fired.text == "P&L alert: PAPER-1's day P&L is -500.00 USD, below -500.00."


def test_a_move_alert_fires_once_either_way_from_the_previous_close() -> None:
    book = AlertBook([MoveAlert("A1", "XSHG-1", "600519", D("5"), Reference.CLOSE)])
    quote = Quote("600519", None, None, D("1574.99"), close=D("1500"), source="XSHG-1")
    check = lambda: book.check(lambda _s, _a: quote, lambda _a: {}, NOW)  # noqa: E731
    assert check() == [], "4.99% is not 5%"
    quote = Quote("600519", None, None, D("1425.00"), close=D("1500"), source="XSHG-1")
    (fired,) = check()
    assert fired.text == "Move alert: 600519 is at 1425.00, down 5.00% from the previous close 1500 (XSHG-1's feed)."
    quote = Quote("600519", None, None, D("1300"), close=D("1500"), source="XSHG-1")
    assert check() == [], "fired once"


def test_a_move_alert_from_the_price_when_set_ignores_the_close_and_waits_for_one_without_a_reference() -> None:
    book = AlertBook([MoveAlert("A1", "PAPER-1", "AAPL", D("2.5"), Reference.SET, base=D("200")),
                      MoveAlert("A2", "PAPER-1", "AAPL", D("1"), Reference.CLOSE)])
    quote = Quote("AAPL", None, None, D("205.00"), close=None, source="PAPER-1")
    (fired,) = book.check(lambda _s, _a: quote, lambda _a: {}, NOW)
    assert fired.alert.alert_id == "A1", "no previous close on the feed: A2 cannot tell a move yet"
    assert fired.text == "Move alert: AAPL is at 205.00, up 2.50% from the price when set 200 (PAPER-1's feed)."


def test_alerts_read_back_as_saved_and_new_ids_follow_the_old_ones() -> None:
    book = AlertBook([PriceAlert("A1", "IB-1", "SPY", Direction.ABOVE, D("512.25"), email=True),
                      MoveAlert("A3", "IB-1", "SPY", D("1.5"), Reference.SET, base=D("510.10"), fired_at=NOW),
                      MoveAlert("A4", "IB-1", "QQQ", D("3"), Reference.CLOSE),
                      PnlAlert("A7", "PAPER-1", D("-100"), fired_at=NOW)])
    again = AlertBook.from_json(book.to_json(), "settings.json: alerts")
    assert again.alerts() == book.alerts()
    assert again.next_id() == "A8"


@pytest.mark.parametrize(("entry", "says"), [
    ({"kind": "price", "id": "A1", "account": "P", "symbol": "X", "direction": "up", "price": "1"},
     "alerts[0].direction: expected \"above\" or \"below\", got 'up'"),
    ({"kind": "price", "id": "A1", "account": "P", "symbol": "X", "direction": "above", "price": "1,5"},
     "alerts[0].price: expected a number"),
    ({"kind": "pnl", "id": "A1", "account": "P", "below": "NaN"}, "alerts[0].below: expected a number"),
    ({"kind": "volume", "id": "A1", "account": "P"}, "alerts[0].kind: expected \"price\", \"move\" or \"pnl\""),
    ({"kind": "move", "id": "A1", "account": "P", "symbol": "X", "percent": "5", "reference": "open"},
     "alerts[0].reference: expected \"close\" or \"set\", got 'open'"),
    ({"kind": "move", "id": "A1", "account": "P", "symbol": "X", "percent": "0", "reference": "close"},
     "alerts[0].percent: expected a move above zero"),
    ({"kind": "move", "id": "A1", "account": "P", "symbol": "X", "percent": "5", "reference": "set", "base": None},
     "alerts[0].base: expected text"),
])
def test_a_saved_alert_that_cannot_be_read_is_named_with_its_field(entry: dict[str, str], says: str) -> None:
    with pytest.raises(AlertsError, match=None) as refused:
        AlertBook.from_json([entry], "settings.json: alerts")
    assert says in str(refused.value)

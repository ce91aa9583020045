from __future__ import annotations

import logging

import pytest

from core.domain import ConnectionChanged, ConnectionState, Event, LogMessage, Quote
from core.services.bus import EventBus
from tests.factories import ACCOUNT


def test_handlers_of_the_exact_type_run_before_handlers_of_a_base_class() -> None:
    bus, seen = EventBus(), []
    bus.subscribe(Event, lambda e: seen.append(("any", type(e).__name__)))
    bus.subscribe(Quote, lambda e: seen.append(("quote", e.symbol)))
    bus.publish(Quote("AAPL"))
    assert seen == [("quote", "AAPL"), ("any", "Quote")]


def test_events_published_by_a_handler_are_delivered_after_the_current_one() -> None:
    bus, seen = EventBus(), []

    def on_quote(q: Quote) -> None:
        bus.publish(LogMessage("INFO", f"saw {q.symbol}"))
        seen.append("quote handled")

    bus.subscribe(Quote, on_quote)
    bus.subscribe(Quote, lambda q: seen.append("second quote handler"))
    bus.subscribe(LogMessage, lambda m: seen.append(m.text))
    bus.publish(Quote("AAPL"))
    assert seen == ["quote handled", "second quote handler", "saw AAPL"]


def test_a_failing_handler_is_logged_and_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus, seen = EventBus(), []
    bus.subscribe(ConnectionChanged, lambda e: 1 / 0)
    bus.subscribe(ConnectionChanged, lambda e: seen.append(e.state))
    with caplog.at_level(logging.ERROR):
        bus.publish(ConnectionChanged(ACCOUNT, ConnectionState.CONNECTED))
    assert seen == [ConnectionState.CONNECTED]
    assert "ZeroDivisionError" in caplog.text


def test_unsubscribe_stops_delivery() -> None:
    bus, seen = EventBus(), []
    unsubscribe = bus.subscribe(Quote, seen.append)
    unsubscribe()
    bus.publish(Quote("AAPL"))
    assert seen == []


def test_a_batch_of_quotes_reaches_a_quotes_handler_in_one_call_and_every_other_handler_quote_by_quote() -> None:
    bus, batches, singles, anything = EventBus(), [], [], []
    bus.subscribe_quotes(lambda quotes: batches.append([q.symbol for q in quotes]))
    bus.subscribe(Quote, lambda q: singles.append(q.symbol))
    bus.subscribe(Event, lambda e: anything.append(type(e).__name__))
    bus.publish_quotes([Quote("A"), Quote("B"), Quote("C")])
    bus.publish(Quote("D"))  # alone: a batch of one
    bus.publish_quotes([])
    assert batches == [["A", "B", "C"], ["D"]]
    assert singles == ["A", "B", "C", "D"]
    assert anything == ["Quote"] * 4


def test_quotes_published_by_a_quotes_handler_come_after_the_batch_in_order() -> None:
    bus, seen = EventBus(), []

    def on_quotes(quotes: object) -> None:
        symbols = [q.symbol for q in quotes]  # type: ignore[attr-defined]
        seen.append(symbols)
        if symbols == ["A", "B"]:
            bus.publish_quotes([Quote("C"), Quote("D")])

    bus.subscribe_quotes(on_quotes)
    bus.publish_quotes([Quote("A"), Quote("B")])
    assert seen == [["A", "B"], ["C"], ["D"]]


def test_a_failing_quotes_handler_is_logged_and_the_others_get_the_whole_batch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, seen = EventBus(), []
    bus.subscribe_quotes(lambda quotes: 1 / 0)
    bus.subscribe_quotes(lambda quotes: seen.extend(q.symbol for q in quotes))
    unsubscribe = bus.subscribe(Quote, lambda q: seen.append(q.symbol.lower()))
    with caplog.at_level(logging.ERROR):
        bus.publish_quotes([Quote("A"), Quote("B")])
    assert seen == ["A", "B", "a", "b"]
    assert "batch of 2 quotes" in caplog.text
    unsubscribe()
    bus.publish_quotes([Quote("C")])
    assert seen == ["A", "B", "a", "b", "C"]

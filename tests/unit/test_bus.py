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

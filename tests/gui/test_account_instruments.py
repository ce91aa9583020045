"""One symbol, two brokers: INFY is the NSE share (INR, tick 0.05) on IN-1 and the NYSE ADR (USD, tick 0.0001) on
US-1. The watchlist row and the ticket's symbol list follow the account in question, never the catalog's last add.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from core.domain import Quote
from core.services.instruments import InstrumentCatalog
from gui.models.quotes import QuotesTableModel
from gui.widgets.order_ticket import OrderTicketWidget
from tests.factories import make_instrument
from tests.gui.model_checks import cell

NSE = make_instrument("INFY", currency="INR", tick_size="0.05", venue="NSE")
ADR = make_instrument("INFY", currency="USD", tick_size="0.0001", venue="NYSE")
RELIANCE = make_instrument("RELIANCE", currency="INR", tick_size="0.05", venue="NSE")
AAPL = make_instrument("AAPL")


@pytest.fixture
def catalog() -> InstrumentCatalog:
    made = InstrumentCatalog()
    made.add([NSE, RELIANCE], "IN-1")
    made.add([ADR, AAPL], "US-1")  # added last: the catalog's global INFY is the ADR
    return made


def infy(source: str, bid: str) -> Quote:
    return Quote("INFY", bid=Decimal(bid), source=source)


def test_a_watchlist_row_quoted_from_the_nse_account_shows_rupees_on_the_nse_tick(catalog: InstrumentCatalog) -> None:
    model = QuotesTableModel()
    model.listed_only = True
    model.set_catalog(catalog.find)
    model.set_feed("INFY", "IN-1")
    model.watch(["INFY"])
    model.show_quote(infy("IN-1", "1520.05"))
    model.flush()
    assert (cell(model, "INFY", "bid"), cell(model, "INFY", "currency")) == ("1,520.05", "INR")
    model.set_feed("INFY", "US-1")  # the trader quotes the row from the ADR's broker instead
    model.show_quote(infy("US-1", "17.0125"))
    model.flush()
    assert (cell(model, "INFY", "bid"), cell(model, "INFY", "currency")) == ("17.0125", "USD")


def test_an_auto_row_takes_the_instrument_of_the_feed_whose_quote_it_shows(catalog: InstrumentCatalog) -> None:
    model = QuotesTableModel()
    model.set_catalog(catalog.find)
    model.show_quote(infy("IN-1", "1520.05"))
    model.flush()
    assert (cell(model, "INFY", "bid"), cell(model, "INFY", "currency")) == ("1,520.05", "INR")


@pytest.fixture
def ticket(qtbot: QtBot, catalog: InstrumentCatalog) -> Iterator[OrderTicketWidget]:
    widget = OrderTicketWidget()
    qtbot.addWidget(widget)
    widget.set_instruments(catalog)
    widget.set_accounts(["IN-1", "US-1"])
    yield widget


def completions(widget: OrderTicketWidget) -> list[str]:
    edit = widget.findChild(object, "orderTicket.symbolEdit")
    completer = edit.completer()
    return [completer.model().index(row, 0).data() for row in range(completer.model().rowCount())]


def test_the_ticket_offers_the_symbols_of_the_chosen_account(ticket: OrderTicketWidget) -> None:
    assert completions(ticket) == ["INFY", "RELIANCE"]
    ticket.findChild(object, "orderTicket.accountCombo").setCurrentIndex(1)
    assert completions(ticket) == ["AAPL", "INFY"]


def test_a_symbol_the_chosen_account_does_not_list_names_the_account_that_does(ticket: OrderTicketWidget) -> None:
    """Seen in the window: EUR_USD typed with ALPACA-PAPER chosen said only "(no quote on ALPACA-PAPER's feed)"
    beside "OANDA open · closes 16:00 EST", Alpaca's stock hours under the pair's venue."""
    asked: list[str] = []
    ticket.set_quote_source(lambda symbol, account: None)
    ticket.set_hours_source(lambda account, instrument: asked.append(account) or None)
    ticket.findChild(object, "orderTicket.accountCombo").setCurrentIndex(1)  # US-1: lists AAPL and the ADR
    edit = ticket.findChild(QLineEdit, "orderTicket.symbolEdit")
    edit.setText("RELIANCE")
    line = ticket.findChild(QLabel, "orderTicket.quoteLabel").text()
    assert "(choose IN-1 under Account: US-1 does not list RELIANCE)" in line, (
        "what to do comes first: the line ends at the ticket's width")
    assert asked == [], "no hours of US-1's market are shown for a symbol it does not list"
    edit.setText("AAPL")
    assert "(no quote on US-1's feed)" in ticket.findChild(QLabel, "orderTicket.quoteLabel").text()
    assert asked == ["US-1"]

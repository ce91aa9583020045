"""One symbol, two brokers: INFY is the NSE share (INR, tick 0.05) on IN-1 and the NYSE ADR (USD, tick 0.0001) on
US-1. The watchlist row and the ticket's symbol list follow the account in question, never the catalog's last add.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
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

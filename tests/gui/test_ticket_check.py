"""The ticket checks its fields once per request they show: a Send reuses that check only for the same request."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.services.instruments import InstrumentCatalog
from tests.factories import make_instrument
from tests.gui.test_order_ticket import Ticket, ticket  # noqa: F401  (the ticket fixture)


def test_a_send_checks_against_the_instrument_as_it_is_now_not_as_it_was_while_typing(ticket: Ticket) -> None:  # noqa: F811
    """The fields did not change, but the account's instrument did (its lot became 100): the Send says so."""
    catalog = InstrumentCatalog()
    catalog.add([make_instrument("AAPL")], "PAPER-1")
    ticket.widget.set_instruments(catalog)
    ticket.fill("AAPL", "150", "189.50")
    assert ticket.shown_errors() == {}
    catalog.add([make_instrument("AAPL", lot_size="100")], "PAPER-1")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert ticket.shown_errors() == {"quantityError": "AAPL trades in lots of 100; try 100."}


def test_after_a_clean_send_the_next_bad_field_is_still_shown_and_a_good_one_clears_it(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1 and ticket.shown_errors() == {}
    ticket.type_into("quantityEdit", "100")
    ticket.type_into("limitPriceEdit", "189.505")
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1
    assert ticket.shown_errors() == {"limitPriceError": "AAPL ticks in 0.01; try 189.50."}
    ticket.type_into("limitPriceEdit", "189.51")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.shown_errors() == {} and [str(r.limit_price) for r in ticket.sent] == ["189.50", "189.51"]

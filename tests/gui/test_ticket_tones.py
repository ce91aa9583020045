"""The ticket's messages keep their colours now that a colour is a tone the ticket's one style sheet selects on:
each message turns red or green with what it says, and back, whatever the message before it was."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from core.domain import FieldError, Side
from tests.gui.test_order_ticket import Ticket, ticket  # noqa: F401  (the fixture)

RED, GREEN = "#e53935", "#43a047"


def colour(t: Ticket, name: str) -> str:
    label = t.child(QLabel, name)
    return str(label.palette().color(label.foregroundRole()).name())


def test_the_result_line_is_green_for_a_sent_order_and_red_for_a_refusal_each_time(ticket: Ticket) -> None:  # noqa: F811
    for text, ok in (("Sent: Buy 100 AAPL", True), ("Not sent: halted", False), ("Not sent: halted", False),
                     ("Sent: Buy 100 AAPL", True), ("Sent: Buy 200 AAPL", True)):
        ticket.widget.show_result(text, ok)
        assert colour(ticket, "statusLabel") == (GREEN if ok else RED), text


def test_a_field_error_is_red_and_the_send_button_follows_the_side(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill()
    ticket.widget.show_field_errors([FieldError("quantity", "Quantity must be positive.")])
    assert colour(ticket, "quantityError") == RED
    send = ticket.child(QPushButton, "sendButton")

    def fill_colour() -> str:
        return str(send.grab().toImage().pixelColor(6, send.height() // 2).name())

    buy = fill_colour()
    ticket.type_into("quantityEdit", "200")
    assert fill_colour() == buy, "the same side: the same colour"
    ticket.widget.prefill("AAPL", Side.SELL)
    assert fill_colour() != buy, "a sell is another colour than a buy"
    ticket.widget.prefill("AAPL", Side.BUY)
    assert fill_colour() == buy

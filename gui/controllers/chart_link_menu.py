"""The chart's right-click menu entries that link the clicked price to the order on the ticket, as the second
order of an OCO or an OTO's exit (the ticket's Link row): the trader then sends the pair from the ticket, through
its checks and confirm, by the one order path."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QMenu

from gui.widgets.linked_order_row import LinkMode
from gui.widgets.order_ticket import OrderTicketWidget

LINK_ENTRIES = ((LinkMode.OCO, "OCO 2nd order"), (LinkMode.OTO, "OTO exit"))


def add_link_entries(menu: QMenu, ticket: OrderTicketWidget, symbol: str, price: Decimal) -> None:
    """Offer 'Ticket: OCO 2nd order @ price' and 'Ticket: OTO exit @ price' while the ticket holds symbol."""
    if ticket.current_symbol() != symbol:
        return
    menu.addSeparator()
    for mode, words in LINK_ENTRIES:
        action = menu.addAction(f"Ticket: {words} @ {price}")
        action.triggered.connect(lambda _=False, m=mode: ticket.link_at(m, price))

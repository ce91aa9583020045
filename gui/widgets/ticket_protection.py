"""What goes with the ticket's order besides its own fields: the Protect row's stop-loss and target, the entry price
they count from, who holds them, and sizing by risk (for ladder and chart clicks too). OrderTicketWidget builds on
this."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from core.domain import FieldError, Instrument, Side, ValidatedRequest
from core.domain.order_request import plain
from core.domain.protection import Bracket
from core.services.sizing_order import SizingSpec
from gui.widgets.protection_row import TICKS, positive_number
from gui.widgets.risk_sizing import Sizer
from gui.widgets.ticket_lookup import TicketLookup


class TicketProtection(TicketLookup):
    """The Protect and Size rows' answers for the order the ticket shows; holds no ticket logic."""

    def set_bracket_holder(self, holds_natively: Callable[[str], bool]) -> None:
        """Say who holds a bracket's stop-loss and target by each account's answer (the session view's)."""
        self._protection.holds_natively = holds_natively

    def protection_for(self, side: Side, entry_price: Decimal, instrument: Instrument | None
                       ) -> tuple[Bracket | None, list[FieldError]]:
        """Return the bracket the Protect row asks for around entry_price (None: the row is empty), or what is
        wrong with it: the ladder's Bracket switch attaches this to its clicks."""
        return self._protection.bracket(side, entry_price, instrument)

    def set_sizer(self, sizer: Sizer | None) -> None:
        """Let the "Size by risk" row size orders (None: it stays disabled)."""
        self._sizing.set_sizer(sizer)

    def click_sizing(self) -> SizingSpec | None:
        """Return how ladder and chart clicks are sized now (None: by their own quantity); SizingError if incomplete."""
        protection = self._protection
        return self._sizing.click_spec(protection.stop_edit.text(), protection.unit_combo.currentData() == TICKS)

    def _entry_price(self) -> Decimal | None:
        """Return the price the entry is expected at: its limit, else its stop, else the touch."""
        order_type = self._order_type()
        for needed, edit in ((order_type.needs_limit, self._limit_edit), (order_type.needs_stop, self._stop_edit)):
            if needed:
                return positive_number(edit.text())
        quote = self._quote()
        return None if quote is None else quote.ask if self._side() is Side.BUY else quote.bid

    def _validate(self) -> tuple[ValidatedRequest | None, list[FieldError]]:
        """Check the ticket's fields into a request (OrderTicketWidget's)."""
        raise NotImplementedError

    def _on_size_requested(self) -> None:
        """Size the order by the risk typed and the Protect stop-loss; put the quantity in (one lot stands in first)."""
        instrument = self._lookup()[1]
        if instrument is not None and positive_number(self._quantity_edit.text()) is None:
            self._quantity_edit.setText(plain(instrument.lot_size))
        validated, errors = self._validate()
        bracket, _problems = self._protection.bracket(self._side(), self._entry_price(), instrument)
        quantity = self._sizing.size(validated, errors, None if bracket is None else bracket.stop_loss)
        if quantity is not None:
            self._quantity_edit.setText(plain(quantity))

"""The order ticket: a keyboard-first form that turns what the trader types into an OrderRequest."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QDialog, QLineEdit, QWidget

from core.domain import (
    AccountId,
    FieldError,
    Instrument,
    OrderOrigin,
    OrderRequest,
    OrderType,
    Quote,
    Side,
    TimeInForce,
    ValidatedRequest,
)
from core.domain.order_request import plain
from core.domain.product import Product
from core.domain.protection import Bracket
from core.domain.trailing import TrailUnit
from core.ports.order_products import ProductOffer
from core.services.order_expiry import expiry_problem
from gui.models.positions import fmt_avg_cost
from gui.widgets.linked_order_row import LinkedOrder, LinkMode, price_words
from gui.widgets.literal_text import literal
from gui.widgets.order_confirm import TICKET_STYLE, OrderConfirmDialog, format_price, order_summary
from gui.widgets.protection_row import positive_number
from gui.widgets.quantity_input import QuantityValidator, quantity_placeholder, same_units
from gui.widgets.ticket_check import TicketCheck
from gui.widgets.ticket_form import FIELDS
from gui.widgets.ticket_hours import closed_market_warning
from gui.widgets.ticket_intent import DEFAULT_TIF, CloseIntent, QuoteSource, RiskPreview, funds_text, verdict_text
from gui.widgets.ticket_protection import TicketProtection
from gui.widgets.ticket_trail import TICKS as TRAIL_TICKS
from gui.widgets.ticket_trail import ticks_error, trail_request_fields, trail_words_typed
from gui.widgets.tone import TONE_STYLE, Tone, set_property, show_tone

ProductSource = Callable[[str, Instrument], ProductOffer | None]
"""(account, instrument) -> the products the account offers for it (Kite), or None: no Product choice."""


class OrderTicketWidget(TicketProtection):
    """Collect one manual order, check it with validate_request, and hand it up; holds no trading logic.

    After a send the ticket is disarmed: Enter does nothing until the trader changes a field or clicks a
    row (or the window says the send was refused, `rearm`); once the window says it went out
    (`order_sent`), the quantity is cleared and a close becomes an ordinary ticket again.

    Events:
        submit_requested(OrderRequest): a valid order the trader sent (and confirmed, if asked);
            quantity and prices are Decimals, the symbol is the instrument's key; origin CLOSE when the
            ticket holds a position's close (see `prefill_close`), else MANUAL.
        search_requested(str text): the trader asked to search for a symbol no account lists (the
            "Search for …" button under an unknown symbol); the window opens the symbol search with text.
        quoted_changed(str symbol, str account): the ticket now shows the quote of symbol on account ("" for
            none); whoever feeds it quotes (TicketQuoteFeed) watches these and calls `refresh_quote` as they move.
    """

    submit_requested = Signal(object)
    search_requested = Signal(str)
    quoted_changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self._product_source: ProductSource | None = None
        self._shown_quote: Quote | None = None
        self._quoted = ("", "")  # the (symbol, account) quoted_changed last named
        self._preview: RiskPreview | None = None
        self._close: CloseIntent | None = None
        self._armed = True
        self._quiet = 0
        self._stale = False
        """A field changed inside _quietly: refresh once when the change is over, not once per field."""
        self._priced: tuple[str, Instrument] | None = None
        """The symbol the prices (and a typed quantity) were last set up for, with its instrument."""
        self._given_limit: str | None = None
        """The limit the ticket put there itself (a click's price, the touch), until the trader types another."""
        self._confirm: OrderConfirmDialog | None = None
        self._pending: OrderRequest | None = None
        self._pending_bracket: Bracket | None = None
        self._check = TicketCheck()
        self._live_timer = QTimer(self, singleShot=True, interval=250, timeout=self._on_live_timer)
        self._sent_bracket: Bracket | None = None
        self._pending_link: LinkedOrder | None = None
        self._sent_link: LinkedOrder | None = None
        self._build_form()
        self._connect()
        self.setStyleSheet(TICKET_STYLE + TONE_STYLE)
        self._refresh()

    def _connect(self) -> None:
        self._symbol_edit.textChanged.connect(self._forget_lookup)  # first: every other handler reads it anew
        self._account_combo.currentTextChanged.connect(self._forget_lookup)
        self._account_combo.currentIndexChanged.connect(self._offer_symbols)  # before the refresh reads the keys
        self._account_combo.currentIndexChanged.connect(self._offer_tifs)
        self._account_combo.currentIndexChanged.connect(self._on_account_chosen)
        self._quantity_edit.setValidator(QuantityValidator(lambda: self._lookup()[1], self))
        self._symbol_edit.textChanged.connect(self._on_symbol_changed)
        self._protection.changed.connect(self._on_field_edited)
        self._link.changed.connect(self._on_field_edited)
        self._sizing.requested.connect(self._on_size_requested)
        for edit in self._edits.values():
            edit.textChanged.connect(self._on_field_edited)
        for combo in (self._account_combo, self._tif_combo, self._trail_unit_combo):
            combo.currentIndexChanged.connect(self._on_field_edited)
        for edit in (self._quantity_edit, self._limit_edit, self._stop_edit, self._trail_edit, self._link.price_edit):
            edit.installEventFilter(self)
        self._buy_button.toggled.connect(self._on_field_edited)
        self._product_choice.changed.connect(self._on_field_edited)
        self._type_combo.currentIndexChanged.connect(self._on_type_changed)
        self._tif_combo.currentIndexChanged.connect(
            lambda _i: self._expiry.set_active(self._tif_combo.currentData() == TimeInForce.GTD))
        self._expiry.changed.connect(self._on_field_edited)
        self._send_button.clicked.connect(self._on_send_clicked)
        self._clear_button.clicked.connect(self.clear)
        self._search_button.clicked.connect(lambda: self.search_requested.emit(self._symbol_edit.text().strip()))
        link_keys = QShortcut(QKeySequence("Ctrl+L"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        link_keys.activated.connect(self._link.cycle)
        for keys, side in (("F1", Side.BUY), ("Ctrl+B", Side.BUY), ("F2", Side.SELL), ("Ctrl+S", Side.SELL)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda side=side: self._set_side(side))

    def set_accounts(self, account_ids: Sequence[str]) -> None:
        """List these accounts, keeping the current choice; if it is gone, none is chosen (never another one)."""
        current = self._account_combo.currentText()
        with QSignalBlocker(self._account_combo):
            self._account_combo.clear()
            self._account_combo.addItems([str(account) for account in account_ids])
            index = self._account_combo.findText(current)
            self._account_combo.setCurrentIndex(index if index >= 0 else (0 if account_ids and not current else -1))
        self._offer_symbols()
        self._offer_tifs()
        with self._quietly():
            self._on_field_edited()

    def set_product_source(self, source: ProductSource | None) -> None:
        """Ask source(account, instrument) which products the account offers: a Kite account shows Product."""
        self._product_source = source
        self._refresh()

    def set_quote_source(self, source: QuoteSource | None) -> None:
        """Read bid/ask from source(symbol, account): the ticket shows and prices from its account's own feed."""
        self._quote_source = source
        self.refresh_quote()

    def set_quote(self, symbol: str, bid: Decimal | None, ask: Decimal | None) -> None:
        """Use this bid/ask for symbol on every account while no quote source is set (tests, previews)."""
        self._fixed_quotes[symbol] = Quote(symbol, bid, ask)
        self.refresh_quote()

    def set_risk_preview(self, preview: RiskPreview | None) -> None:
        """Show preview's verdict on the order as the trader types it (before any confirm or send)."""
        self._preview = preview
        self._show_verdict()

    def refresh_quote(self) -> None:
        """Re-read the quote of the ticket's symbol on its account; show it and re-check risk if it moved."""
        quote = self._quote()
        if quote != self._shown_quote:
            self._shown_quote = quote
            self._show_quote()
            self._show_verdict()

    def prefill(
        self, symbol: str, side: Side, quantity: Decimal | None = None, price: Decimal | None = None,
        order_type: OrderType = OrderType.LIMIT, account: str | None = None, focus: bool = True,
    ) -> None:
        """Fill the ticket from a watchlist or position click, on account when given.

        With focus, the cursor goes to the quantity (selected, ready to type over); without, it stays where it
        was (a click that only picks a symbol: the next keys still go to the grid the trader is in).

        Quantity is kept when not given. Another symbol starts from its own prices (the side's touch on
        the account's feed) and the default TIF, another account from the touch on its feed; a price
        given here is used instead.
        """
        with self._quietly(checked=True):
            self._close = None
            moved = account is not None and account != self.current_account()
            if account is not None:
                self._set_account(account)
            self._set_side(side)
            self._symbol_edit.setText(symbol)
            instrument = self._lookup()[1]
            if moved and price is None and instrument is not None:
                self._limit_edit.setText(self._touch(instrument))
            self._set_order_type(order_type)
            if quantity is not None:
                self._quantity_edit.setText(plain(quantity))
            for edit, takes in ((self._limit_edit, order_type.needs_limit), (self._stop_edit, order_type.needs_stop)):
                if price is not None and takes:
                    edit.setText(format_price(price, self._lookup()[1]))
            self._given_limit = self._limit_edit.text()
        self._armed = True
        if focus:
            self._quantity_edit.setFocus()
            self._quantity_edit.selectAll()
        self._on_live_timer()

    def prefill_close(self, account: str, symbol: str, position: Decimal, price: Decimal | None,
                      avg_cost: Decimal | None = None, product: Product | None = None) -> None:
        """Hold the close of a position of account (signed quantity): the opposite side, its size, on its account.

        The close names the position's average cost (when given) as the positions grid shows it. A position
        of a product (Kite's CNC, MIS, NRML) is closed in that product: the Product choice is set to it.

        Sent as OrderOrigin.CLOSE (reduce-only) while side, symbol, account and product stay as filled in;
        changing any of them makes it an ordinary order. The stop-loss, target and linked order are cleared.
        """
        close = CloseIntent(account, symbol, position, product=product)
        with self._quietly():  # a close goes alone: a stop-loss, target or linked order left there is not sent
            self._protection.clear()
            self._link.clear()
        self.prefill(symbol, close.side, quantity=abs(position), price=price, account=account)
        if product is not None:
            self._product_choice.choose(product)
        instrument = self._lookup()[1]
        if avg_cost is not None and instrument is not None:
            close = replace(close, avg_cost=fmt_avg_cost(avg_cost, instrument.price_places))
        if price is None:
            with self._quietly(checked=True):
                self._limit_edit.clear()  # no quote on its feed: the trader prices it, never an older price
        self._close = close if self._account_combo.currentText() == account else None
        self._on_live_timer()

    def order_sent(self) -> None:
        """The last send reached the session and became an order: clear the quantity, the close and the levels
        given as prices (that order's stop-loss, target and linked price; ticks away stay), stay disarmed."""
        with self._quietly(checked=True):
            self._quantity_edit.clear()
            self._close = None
            self._forget_price_levels()
        self._armed = False
        self._on_live_timer()

    def rearm(self) -> None:
        """The last send was refused before reaching a broker: Enter may send what the ticket shows again."""
        self._armed = True

    def current_symbol(self) -> str:
        """Return the symbol on the ticket in its canonical spelling, or "" when none is typed."""
        return self._lookup()[0]

    def set_confirm_required(self, required: bool) -> None:
        """Turn the confirm-before-sending step on or off."""
        self._confirm_check.setChecked(required)

    def show_field_errors(self, errors: list[FieldError]) -> None:
        """Show each error next to its field (others go to the status line); the order was refused, so re-arm."""
        self._render_errors(errors, FIELDS)
        self.rearm()

    def clear(self) -> None:
        """Empty the ticket and reset side, type and TIF; keep the account and the confirm setting."""
        if self._confirm is not None:
            self._confirm.reject()
        with self._quietly():
            for edit in (self._symbol_edit, self._quantity_edit, self._limit_edit, self._stop_edit, self._trail_edit):
                edit.clear()
            self._protection.clear()
            self._link.clear()
            self._set_side(Side.BUY)
            self._set_order_type(OrderType.LIMIT)
            self._tif_combo.setCurrentIndex(self._tif_combo.findData(DEFAULT_TIF))
            self._close, self._priced, self._given_limit, self._armed = None, None, None, True
        self._live_timer.stop()
        self._render_errors([], FIELDS)
        self._status_label.clear()
        self._refresh()
        self._show_verdict()
        self._symbol_edit.setFocus()

    @property
    def confirm_dialog(self) -> OrderConfirmDialog | None:
        """Return the open confirmation dialog, if any (a test hook: call accept() or reject() on it)."""
        return self._confirm

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_send_clicked()
        elif event.key() == Qt.Key.Key_Escape:
            self.clear()
        else:
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        step = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}.get(event.key()) if isinstance(event, QKeyEvent) else None
        if step and event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit):
            self._step(watched, step)
            return True
        return super().eventFilter(watched, event)

    @contextmanager
    def _quietly(self, checked: bool = False) -> Iterator[None]:
        """Change fields for the trader (a click, a send): not an edit that re-arms the ticket.

        The ticket is brought up to date once at the end (a prefill sets up to five fields), or not at all when
        checked: the caller runs the live check (`_on_live_timer`, which refreshes) right after.
        """
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1
            if not self._quiet and self._stale:
                self._stale = False
                if not checked:
                    self._refresh()

    def _origin(self) -> OrderOrigin:
        return OrderOrigin.CLOSE if self._close is not None else OrderOrigin.MANUAL

    def _validate(self) -> tuple[ValidatedRequest | None, list[FieldError]]:
        symbol, instrument = self._lookup()
        account, order_type = self._account_combo.currentText().strip(), self._order_type()
        request = OrderRequest(
            AccountId(account or "-"), symbol, self._side(), self._quantity_edit.text(),
            order_type, limit_price=self._limit_edit.text() if order_type.needs_limit else None,
            stop_price=self._stop_edit.text() if order_type.needs_stop else None,
            tif=TimeInForce(self._tif_combo.currentData()), origin=self._origin(),
            product=self._product_choice.product(), **self._trail_fields(), expire_at=self._expiry.expire_at(),
        )
        missing = [] if symbol else [FieldError("symbol", "Enter a symbol.")]
        ended = expiry_problem(self._expiry.expire_at(), datetime.now(UTC))
        missing += [] if ended is None else [ended]
        missing += [] if account else [FieldError("account_id", "Choose an account.")]
        validated, errors = self._check.check(request, instrument) if symbol else (None, [])
        in_ticks = ticks_error(order_type, self._trail_unit_combo.currentData(), self._trail_edit.text())
        if in_ticks is not None:  # '2.5' ticks would otherwise go as a trail of 2.5 in price
            validated, errors = None, [*(e for e in errors if e.field != "trail"), in_ticks]
        return (None if missing else validated), [*errors, *missing]

    def _trail_fields(self) -> dict[str, str]:
        """Return the trail as the request takes it (ticket_trail.py); none unless the type trails."""
        return trail_request_fields(self._order_type(), self._trail_unit_combo.currentData(), self._trail_edit.text(),
                                    self._limit_edit.text(), self._lookup()[1])

    def _refresh(self) -> None:
        """Bring the send button, quote line and placeholders up to date with the fields."""
        self._refresh_and_check()

    def _refresh_and_check(self) -> tuple[ValidatedRequest | None, list[FieldError]]:
        """`_refresh`, returning the `_validate()` it did: the live check shows its errors (one validation for both)."""
        with self._one_read():
            return self._refresh_fields()

    def _refresh_fields(self) -> tuple[ValidatedRequest | None, list[FieldError]]:
        symbol, instrument = self._lookup()
        account = self.current_account()
        source = self._product_source  # first: the product offered is part of the order checked below
        self._product_choice.offer(source(account, instrument) if source and account and instrument else None)
        checked = self._validate()
        side, order_type = self._side(), self._order_type()
        texts = [edit.text().strip() for edit in (self._quantity_edit, self._limit_edit, self._stop_edit)]
        unit = self._trail_unit_combo.currentData()
        trail = trail_words_typed(unit, self._trail_edit.text().strip(), self._trail_fields().get("trail_amount", ""))
        summary = order_summary(side, texts[0], symbol, order_type, texts[1], texts[2], trail)
        link, link_errors = self._linked(checked)
        link_price = "" if link is None else price_words(link.price, instrument)
        summary += "" if link is None else link.suffix(link_price)
        self._link.show_hint(link, link_errors, side, texts[0], symbol, link_price)
        metrics, room = self._send_button.fontMetrics(), self._send_button.width() - 24
        self._send_button.setText(metrics.elidedText(summary, Qt.TextElideMode.ElideRight, max(room, 60)))
        if self._send_button.toolTip() != (tip := f"{summary} (Enter)"):
            self._send_button.setToolTip(tip)
        set_property(self._send_button, "side", side.value)  # re-polished only when the side changes
        self._quantity_edit.setPlaceholderText(quantity_placeholder(instrument))
        for edit in (self._limit_edit, self._stop_edit):
            edit.setPlaceholderText(f"tick {plain(instrument.tick_size)}" if instrument else "")
        tick = f"tick {plain(instrument.tick_size)}" if instrument else ""
        hints = {TrailUnit.PERCENT: "e.g. 1.5 (%)", TRAIL_TICKS: "whole ticks"}
        self._trail_edit.setPlaceholderText(hints.get(unit, tick))
        if (symbol, account) != self._quoted:
            self._quoted = (symbol, account)
            self.quoted_changed.emit(symbol, account)
        self._shown_quote = self._quote()
        self._show_quote()
        self.refresh_hours()
        self._show_intent()
        self._protection.show_risk(side, positive_number(texts[0]), self._entry_price(), instrument, account)
        text = self._symbol_edit.text().strip()
        unknown = bool(text) and instrument is None and not any(k.startswith(text.casefold()) for k in self._keys)
        self._search_button.setText(literal(f"Search for “{text}”… (Ctrl+K)") if unknown else "")
        self._search_button.setVisible(unknown)
        return checked

    def _show_quote(self) -> None:
        symbol, instrument = self._lookup()
        quote, account = self._quote(), self.current_account()
        bid, ask = ("—" if value is None else format_price(value, instrument)
                    for value in ((None, None) if quote is None else (quote.bid, quote.ask)))
        other_feed = quote is not None and quote.source not in ("", account)
        feed = f" &nbsp;<i>(prices from {quote.source})</i>" if quote is not None and other_feed else ""
        if quote is None and account and self._quote_source is not None:
            feed = self._unquoted_note(symbol, account)
        feed += self._stopped_note(quote)
        self._quote_label.setText(f"Bid <b>{bid}</b> &nbsp;·&nbsp; Ask <b>{ask}</b>{feed}" if symbol else "")

    def _show_intent(self) -> None:
        close = self._close
        self._intent_label.setText("" if close is None else close.describe(self._quantity_edit.text().strip()))
        self._intent_label.setVisible(close is not None)

    def _show_verdict(self, checked: tuple[ValidatedRequest | None, list[FieldError]] | None = None) -> None:
        """Show what risk would say about the order as it stands (checked: its `_validate()`, when the caller has
        it), or nothing while a field is incomplete."""
        validated, errors = (checked or self._validate()) if self._preview is not None else (None, [])
        if self._preview is None or validated is None or errors:
            self._risk_label.clear()
            return
        text, passes = verdict_text(self._preview(validated))
        self._risk_label.setText(text)
        show_tone(self._risk_label, Tone.GOOD if passes else Tone.BAD)

    def _on_symbol_changed(self, _text: str) -> None:
        """A new symbol starts from its own prices and the default TIF, never the last symbol's: its limit, stop,
        stop-loss and target prices (offsets in ticks stay) and a linked order's second price. A quantity typed
        for the last symbol stays only if it counts the same units (5,000 EUR_USD units are not 5,000 shares)."""
        symbol, instrument = self._lookup()
        if instrument is None or (self._priced is not None and symbol == self._priced[0]):
            return
        previous, self._priced = self._priced, (symbol, instrument)
        with self._quietly():
            if previous is not None and not same_units(previous[1], instrument):
                self._quantity_edit.clear()
            if previous is not None or not self._limit_edit.text().strip():
                self._limit_edit.setText(self._touch(instrument))
                self._given_limit = self._limit_edit.text()
            if previous is not None:
                self._stop_edit.clear()
                self._tif_combo.setCurrentIndex(self._tif_combo.findData(DEFAULT_TIF))
                self._forget_price_levels()

    def _on_account_chosen(self, _index: int) -> None:
        """The trader chose another account: a limit the ticket gave (from a click on another feed's price, or
        the touch) follows the new account's own touch; a limit the trader typed stays as typed."""
        instrument = self._lookup()[1]
        if self._quiet or instrument is None or self._given_limit is None:
            return
        if self._limit_edit.text() != self._given_limit or not self._order_type().needs_limit:
            return
        touch = self._touch(instrument)
        if touch:
            with self._quietly():
                self._limit_edit.setText(touch)
            self._given_limit = touch

    def _on_field_edited(self, *_args: object) -> None:
        close = self._close
        if close is not None and ((close.account, close.symbol, close.side) != (
                self.current_account(), self._lookup()[0], self._side()) or (
                close.product is not None and close.product is not self._product_choice.product())):
            self._close = None  # another account, symbol, side or product: an ordinary order from now on
        if self._quiet:
            self._stale = True
        else:
            self._armed = True
            self.clear_refusal()
            self._refresh()
        self._live_timer.start()

    def _on_type_changed(self, _index: int) -> None:
        self._set_order_type(self._order_type())
        self._on_field_edited()

    def stop(self) -> None:
        """Stop the pending live check (the window shuts down: it would validate against a closed session)."""
        self._live_timer.stop()

    def _on_live_timer(self) -> None:
        """Show errors for the fields the trader has filled in; empty fields wait for send."""
        self._live_timer.stop()
        with self._one_read():
            checked = self._refresh_and_check()
            texts = {field: edit.text().strip() for field, edit in self._edits.items()}
            if any(key.startswith(texts["symbol"].casefold()) for key in self._keys):
                texts["symbol"] = ""  # may still become a known symbol
            self._render_errors([error for error in checked[1] if texts.get(error.field)], list(texts))
            self._show_verdict(checked)

    def _on_send_clicked(self) -> None:
        if self._confirm is not None or not self._armed:
            return
        self._live_timer.stop()
        with self._one_read():
            self._check_and_send()

    def _check_and_send(self) -> None:
        """Send the order the ticket shows (after the confirm, when asked), or show why it cannot go."""
        validated, errors = self._validate()
        self._render_errors(errors, FIELDS)
        if validated is None or errors:
            targets = {**self._edits, "account_id": self._account_combo}
            next((targets[error.field] for error in errors if error.field in targets), self._symbol_edit).setFocus()
            return
        request = self._check.request_of(validated)
        bracket, problems = (None, []) if self._close is not None else self._protection.bracket(
            validated.side, self._entry_price(), validated.instrument)
        if problems:
            self.show_result(" ".join(p.message for p in problems), ok=False)
            self._protection.stop_edit.setFocus()
            return
        link, problems = self._linked((validated, errors))
        if link is not None and bracket is not None:
            problems = [FieldError("link", "Protect (stop-loss/target) and a linked OCO/OTO order cannot go "
                                           "together: clear one of them.")]
        if problems:
            self.show_result(" ".join(p.message for p in problems), ok=False)
            self._link.price_edit.setFocus()
            return
        self._pending_bracket, self._pending_link = bracket, link
        if not self._confirm_check.isChecked():
            self._send_then_clear(request)
            return
        self._status_label.clear()
        self._pending = request
        quote = self._quote()
        intent = "" if self._close is None else self._close.describe(plain(validated.quantity))
        funds = funds_text(self._preview(validated)) if self._preview is not None else ""
        linked = "" if link is None else link.describe(validated.side, plain(validated.quantity),
                                                       validated.instrument.symbol,
                                                       price_words(link.price, validated.instrument))
        protection = "" if bracket is None else self._protection.describe(
            bracket, validated.side, validated.quantity, str(validated.request.account_id))
        self._confirm = OrderConfirmDialog(validated, (None, None) if quote is None else (quote.bid, quote.ask), self,
                                           intent=intent, funds=funds, linked=linked, protection=protection,
                                           warning=closed_market_warning(self._hours(), validated.tif,
                                                                         datetime.now(UTC),
                                                                         self.takes_tif(TimeInForce.GTC)))
        self._confirm.finished.connect(self._on_confirm_finished)
        self._confirm.open()

    def _on_confirm_finished(self, result: int) -> None:
        request, self._confirm, self._pending = self._pending, None, None
        if result == QDialog.DialogCode.Accepted and request is not None:
            self._send(request)
        self._send_button.setFocus()

    def _send_then_clear(self, request: OrderRequest) -> None:
        """Send, then clear the last send's result line unless the send said something there itself (a refusal):
        the line is repainted after the order's bytes are out, not before."""
        said = self._status_label.said
        self._send(request)
        if self._status_label.said == said:
            self._status_label.clear()

    def _send(self, request: OrderRequest) -> None:
        self._armed = False  # until the trader changes something, or the window says it was refused
        self._sent_bracket, self._sent_link = self._pending_bracket, self._pending_link
        self.submit_requested.emit(request)

    def sent_bracket(self) -> Bracket | None:
        """Return the stop-loss/take-profit of the order being handed up by submit_requested (None: none)."""
        return self._sent_bracket

    def link_at(self, mode: LinkMode, price: Decimal) -> None:
        """Make price the Link row's second order (OCO or OTO), a limit or a stop by where it sits: the chart's menu."""
        quote, instrument = self._quote(), self._lookup()[1]
        touch = None if quote is None else quote.ask if self._side() is Side.BUY else quote.bid
        reference = (self._entry_price() or touch) if mode is LinkMode.OTO else (touch or self._entry_price())
        self._link.place(mode, self._side(), price, format_price(price, instrument), reference)

    def sent_link(self) -> LinkedOrder | None:
        """Return the OCO partner or OTO exit of the order being handed up by submit_requested (None: none)."""
        return self._sent_link

    def _linked(self, checked: tuple[ValidatedRequest | None, list[FieldError]] | None = None
                ) -> tuple[LinkedOrder | None, list[FieldError]]:
        """Return the second order the Link row asks for with the ticket's order, or what is wrong with it
        (checked: the order's `_validate()`, when the caller has it)."""
        if self._link.mode() is LinkMode.NONE:  # what `linked` answers at once: no order to build for it
            return None, []
        validated, _errors = checked or self._validate()
        symbol, instrument = self._lookup()
        first = validated.request if validated is not None else OrderRequest(
            AccountId(self.current_account() or "-"), symbol, self._side(), self._quantity_edit.text())
        return self._link.linked(first, self._side(), self._entry_price(), instrument)

"""The confirm-before-sending dialog of the order ticket, and the order text and numbers the ticket shares with it."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from core.domain import Instrument, OrderType, Side, ValidatedRequest
from core.domain.numbers import decimal_or_none
from core.domain.order_request import plain
from core.domain.trailing import Trail

TYPE_LABELS = {
    OrderType.MARKET: "MKT",
    OrderType.LIMIT: "LMT",
    OrderType.STOP: "STP",
    OrderType.STOP_LIMIT: "STP LMT",
    OrderType.TRAIL: "TRAIL",
    OrderType.TRAIL_LIMIT: "TRAIL LMT",
    OrderType.MARKET_IF_TOUCHED: "MIT",
}
SIDE_COLORS = {Side.BUY: "#1565c0", Side.SELL: "#c62828"}
TICKET_STYLE = """
QPushButton[side] { border: 1px solid #9e9e9e; border-radius: 3px; padding: 5px 12px; font-weight: 600; }
QPushButton[side="BUY"] { color: #1e88e5; }
QPushButton[side="SELL"] { color: #e53935; }
QPushButton[side="BUY"]:checked, QPushButton[role="send"][side="BUY"] {
    background: #1565c0; border-color: #0d47a1; color: white; }
QPushButton[side="SELL"]:checked, QPushButton[role="send"][side="SELL"] {
    background: #c62828; border-color: #8e0000; color: white; }
QPushButton[side]:focus { border: 2px solid #ffb300; }
QPushButton[role="send"] { padding: 7px 12px; }
QLineEdit[error="true"] { border: 1px solid #e53935; border-radius: 2px; padding: 2px; }
"""


def format_price(value: Decimal, instrument: Instrument | None) -> str:
    """Return value with the decimal places of the instrument's tick."""
    if instrument is None:
        return format(value, "f")
    return format(value.quantize(Decimal(1).scaleb(-instrument.price_places)), "f")


def order_summary(side: Side, quantity: str, symbol: str, order_type: OrderType, limit: str, stop: str,
                  trail: str = "") -> str:
    """Return e.g. 'Buy 100 AAPL LMT 189.50', 'Sell 100 AAPL TRAIL 1%' or 'Sell 100 AAPL TRAIL LMT 0.50 off 0.05'
    (a trailing stop-limit: its trail, and its limit's offset from the stop), leaving out whatever is still empty."""
    parts = [side.value.capitalize(), quantity, symbol]
    if order_type is OrderType.TRAIL:
        parts += ["TRAIL", trail]
    elif order_type is OrderType.TRAIL_LIMIT:
        parts += ["TRAIL LMT", trail, f"off {limit}" if limit else ""]
    elif order_type is OrderType.STOP_LIMIT:
        parts += ["STP", stop, "LMT", limit]
    else:
        parts.append(TYPE_LABELS[order_type])
        parts.append(limit if order_type.needs_limit else stop if order_type.needs_stop else "")
    return " ".join(part for part in parts if part)


def trail_words(trail: Trail | None) -> str:
    """Return a trail as the ticket shows it: '0.50' (an amount of price) or '1%'."""
    return "" if trail is None else trail.text()


def next_step(text: str, step: Decimal, direction: int) -> Decimal | None:
    """Return the next multiple of step above (direction 1) or below (-1) the number in text, at least one step.

    Empty text counts as zero; text that is not a usable number gives None.
    """
    current = decimal_or_none(text, signed=True) if text.strip() else Decimal(0)
    if current is None:
        return None
    try:
        steps = (current / step).quantize(Decimal(1), rounding=ROUND_FLOOR if direction > 0 else ROUND_CEILING)
    except ArithmeticError:
        return None
    return max((steps + direction) * step, step)


def reference_price(validated: ValidatedRequest, quote: tuple[Decimal | None, Decimal | None]) -> Decimal | None:
    """Return the price the notional is computed at, by risk's rule (core.services.risk.prices.order_price).

    A limit order at its limit; a market order at the touch (ask to buy, bid to sell); a stop or stop-limit
    at the dearest of its own prices and the touch, since it can trigger at once and fill at the market.
    """
    bid, ask = quote
    touch = ask if validated.request.side is Side.BUY else bid
    if validated.order_type is OrderType.LIMIT:
        return validated.limit_price
    if validated.order_type is OrderType.MARKET:
        return touch
    candidates = [p for p in (validated.limit_price, validated.stop_price, touch) if p is not None]
    return max(candidates, key=abs) if candidates else None


class OrderConfirmDialog(QDialog):
    """Ask the trader to confirm one order; Enter sends, Esc cancels.

    Open it with `open()` and connect `finished(int)`; `accept()` and `reject()` are the test hooks.
    """

    def __init__(
        self,
        validated: ValidatedRequest,
        quote: tuple[Decimal | None, Decimal | None] = (None, None),
        parent: QWidget | None = None,
        intent: str = "",
        funds: str = "",
        warning: str = "",
        linked: str = "",
        protection: str = "",
    ) -> None:
        """intent says what the order is for when it is not an ordinary order, e.g. 'Close long 100 AAPL on IB-1';
        linked describes the second order of an OCO or OTO and what happens when one fills; protection the
        stop-loss and take-profit that go with it, and who holds them."""
        super().__init__(parent)
        self.setObjectName("orderTicket.confirmDialog")
        self.setWindowTitle("Confirm order")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        request, instrument = validated.request, validated.instrument
        side_word = request.side.value.capitalize()

        headline = QLabel(
            order_summary(
                request.side,
                plain(validated.quantity),
                instrument.symbol,
                request.order_type,
                self._price(validated.limit_price, instrument),
                self._price(validated.stop_price, instrument),
                trail_words(validated.trail),
            )
        )
        headline.setObjectName("orderTicket.confirmDialog.summary")
        headline.setStyleSheet(f"font-size: 15px; font-weight: 600; color: {SIDE_COLORS[request.side]};")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(16)
        rows = [
            ("Side", side_word.upper()),
            ("Quantity", plain(validated.quantity)),
            ("Symbol", f"{instrument.symbol}  {instrument.venue}".rstrip()),
            ("Type", TYPE_LABELS[request.order_type]),
        ]
        if validated.limit_price is not None and validated.trail is None:
            rows.append(("Limit price", format_price(validated.limit_price, instrument)))
        if validated.stop_price is not None:
            rows.append(("Stop price", format_price(validated.stop_price, instrument)))
        if validated.trail is not None:
            offset = validated.trail.limit_offset
            when = ("at market when touched" if offset is None
                    else f"when touched, a limit {format_price(offset, instrument)} beyond the stop")
            rows.append(("Trail", f"{trail_words(validated.trail)} behind the market; {when}"))
        rows += [
            ("Time in force", tif_words(validated)),
            ("Notional", self._notional(validated, quote)),
            ("Account", str(request.account_id)),
        ]
        if validated.product is not None:
            rows.append(("Product", validated.product.label))
        for caption, value in rows:
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{caption}:", label)

        buttons = QDialogButtonBox()
        send_text = f"Send {side_word} order" if not linked else f"Send {linked.split(' ', 1)[0]} ({side_word} first)"
        self._send_button = buttons.addButton(send_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self._send_button.setObjectName("orderTicket.confirmDialog.sendButton")
        self._send_button.setDefault(True)
        self._send_button.setStyleSheet(
            f"background: {SIDE_COLORS[request.side]}; color: white; border: 1px solid {SIDE_COLORS[request.side]};"
            " border-radius: 3px; padding: 4px 14px; font-weight: 600;"
        )
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("orderTicket.confirmDialog.cancelButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(headline)
        if intent:
            layout.addWidget(QLabel(intent, objectName="orderTicket.confirmDialog.intent",
                                    styleSheet="color: #ef6c00; font-weight: 600;"))
        layout.addLayout(form)
        if warning:  # e.g. a DAY order while its market is closed
            layout.addWidget(QLabel(warning, objectName="orderTicket.confirmDialog.marketClosed", wordWrap=True,
                                    styleSheet="color: #ef6c00; font-weight: 600;"))
        for text, name in ((linked, "linked"), (protection, "protection")):
            if text:
                layout.addWidget(QLabel(text, objectName=f"orderTicket.confirmDialog.{name}", wordWrap=True,
                                        styleSheet="font-weight: 600;"))
        if funds:
            layout.addWidget(QLabel(funds, objectName="orderTicket.confirmDialog.funds", wordWrap=True))
        layout.addWidget(buttons)
        self._send_button.setFocus()

    @staticmethod
    def _price(value: Decimal | None, instrument: Instrument) -> str:
        return "" if value is None else format_price(value, instrument)

    @staticmethod
    def _notional(validated: ValidatedRequest, quote: tuple[Decimal | None, Decimal | None]) -> str:
        price = reference_price(validated, quote)
        instrument = validated.instrument
        if price is None:
            return "— (no quote)"
        amount = instrument.notional(validated.quantity, price)
        approx = "" if validated.order_type is OrderType.LIMIT else "≈ "
        return f"{approx}{amount:,.2f} {instrument.currency}"


def tif_words(validated: ValidatedRequest) -> str:
    """Return the time in force as the confirm shows it: 'GTD until 2026-12-07 15:30 IST', else its code."""
    ends = validated.expire_at
    if ends is None:
        return validated.tif.value
    local = ends.astimezone()
    return f"{validated.tif.value} until {local:%Y-%m-%d %H:%M} {local.tzname()}"

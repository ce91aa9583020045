"""ManualFillDialog: record an execution the e-mail desk reported (quantity, price, time), checked against its order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.domain import NumberError, Order, parse_number
from core.domain.manual_fill import fill_mismatch

FUTURE_TOLERANCE = timedelta(minutes=1)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


class ManualFillDialog(QDialog):
    """Enter one execution of a working desk order; OK is refused with a reason until it fits the order.

    A price beyond the order's limit is refused unless "Record beyond the limit" is ticked and a reason
    given; the session audits that override.

    Signals: fillEntered(Decimal quantity, Decimal price, datetime ts, str | None override_reason) on OK;
    ts is timezone-aware UTC; override_reason is None unless the override is ticked.
    """

    fillEntered = Signal(object, object, object, object)

    def __init__(self, order: Order, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manualFillDialog")
        self.setWindowTitle("Record execution")
        self._order = order
        instrument = order.instrument
        default_price = order.limit_price or order.stop_price
        headline = QLabel(
            f"{order.side.value} {_plain(order.quantity.value)} {order.symbol} — {_plain(order.filled_qty)} filled, "
            f"{_plain(order.leaves_qty)} open on {order.account_id} ({order.client_order_id})",
            objectName="manualFill.headline",
        )
        self.quantity = QLineEdit(_plain(order.leaves_qty), objectName="manualFill.quantity")
        self.price = QLineEdit(
            "" if default_price is None else format(default_price.value, f".{instrument.price_places}f"),
            objectName="manualFill.price",
        )
        self.time = QDateTimeEdit(QDateTime.currentDateTime(), objectName="manualFill.time")
        self.time.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.time.setCalendarPopup(True)
        self.override = QCheckBox("Record beyond the limit (audited)", objectName="manualFill.override")
        self.override.setToolTip("Book an execution the desk reports beyond the order's limit; who and why are "
                                 "kept in the audit trail.")
        self.reason = QLineEdit(objectName="manualFill.reason")
        self.reason.setPlaceholderText("Why the desk executed beyond the limit")
        self.reason.setEnabled(False)
        self.override.toggled.connect(self.reason.setEnabled)
        self.error = QLabel("", objectName="manualFill.error")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, objectName="manualFill.buttons"
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setObjectName("manualFill.ok")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("manualFill.cancel")
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Quantity", self.quantity)
        form.addRow("Price", self.price)
        form.addRow("Time (local)", self.time)
        form.addRow("", self.override)
        form.addRow("Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def entered_time(self) -> datetime:
        """Return the entered time as timezone-aware UTC."""
        seconds = self.time.dateTime().toSecsSinceEpoch()
        return datetime.fromtimestamp(seconds, tz=UTC)

    def check(self) -> tuple[str, str] | None:
        """Return (field, problem) for the first entry that does not fit the order, or None if all fit."""
        order, instrument = self._order, self._order.instrument
        try:
            qty = parse_number(self.quantity.text(), "quantity")
        except NumberError as exc:
            return "quantity", exc.problem
        if qty <= 0:
            return "quantity", "The quantity must be greater than zero."
        if qty > order.leaves_qty:
            return "quantity", f"Only {_plain(order.leaves_qty)} remain on this order."
        if not instrument.is_on_lot(qty):
            return "quantity", f"{order.symbol} trades in lots of {_plain(instrument.lot_size)}."
        try:
            price = parse_number(self.price.text(), "price")
        except NumberError as exc:
            return "price", exc.problem
        if price <= 0:
            return "price", "The price must be greater than zero."
        if not instrument.is_on_tick(price):
            return "price", (f"{order.symbol} ticks in {_plain(instrument.tick_size)}; "
                             f"try {instrument.make_price(price).value}.")
        mismatch = fill_mismatch(order, qty, price)
        if mismatch is not None and not self.override.isChecked():
            return mismatch.field, mismatch.message
        if mismatch is not None and not self.reason.text().strip():
            return "reason", "Say why the execution is booked beyond the limit: it is kept in the audit trail."
        ts = self.entered_time()
        if ts > datetime.now(UTC) + FUTURE_TOLERANCE:
            return "time", "The time is in the future."
        if ts < order.created_at - FUTURE_TOLERANCE:
            return "time", "The time is before the order was placed."
        return None

    def _on_ok(self) -> None:
        problem = self.check()
        widgets = {"quantity": self.quantity, "price": self.price, "time": self.time, "reason": self.reason}
        for widget in widgets.values():
            widget.setStyleSheet("")
        if problem is not None:
            field, text = problem
            self.error.setText(text)
            widgets[field].setStyleSheet("border: 1px solid #c62828;")
            widgets[field].setFocus()
            return
        self.error.setText("")
        reason = self.reason.text().strip() if self.override.isChecked() else None
        self.fillEntered.emit(parse_number(self.quantity.text(), "quantity"), parse_number(self.price.text(), "price"),
                              self.entered_time(), reason)
        self.accept()

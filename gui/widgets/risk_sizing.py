"""RiskSizingWidget: the ticket's compact "Size by risk" row: risk per trade in; quantity, risk and stop out."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from core.domain import FieldError, ValidatedRequest
from core.domain.order_request import plain
from core.services.sizing import Sized, SizingError
from core.services.sizing_order import SizingSpec

Sizer = Callable[[ValidatedRequest, SizingSpec], tuple[Sized, str]]
"""Size a request by a spec; return the size and the currency of its money at risk (raise SizingError if not)."""
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def read_risk(text: str) -> tuple[Decimal | None, Decimal | None]:
    """Return (risk_pct, risk_amount) from "1%" or "500"; raise SizingError saying what to type."""
    raw = text.strip().replace(",", "")
    pct = raw.endswith("%")
    try:
        value = Decimal(raw.rstrip("%").strip())
    except InvalidOperation:
        value = Decimal(0)
    if not raw or not value.is_finite() or value <= 0:
        raise SizingError("risk", "Type the risk per trade: a % of equity such as 1%, or an amount such as 500.")
    return (value, None) if pct else (None, value)


class RiskSizingWidget(QWidget):
    """A risk edit and a Size button; the line below says the quantity chosen, what it risks and the stop.

    objectName 'orderTicket.sizeByRisk'; children 'orderTicket.sizeRiskEdit', 'orderTicket.sizeButton',
    'orderTicket.sizeClicksCheck', 'orderTicket.sizeResultLabel'.

    With "Ladder & chart" checked, a click on the ladder or the chart's place menu is sized the same way (the
    risk here, the Protect stop from the click's price): `click_spec` says how.

    Events:
        requested(): the trader asked for a size (the ticket answers with `size`).
        clicks_toggled(bool): sizing of ladder and chart clicks was switched on or off.
    """

    requested = Signal()
    clicks_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="orderTicket.sizeByRisk")
        self._sizer: Sizer | None = None
        self.risk_edit = QLineEdit(objectName="orderTicket.sizeRiskEdit", placeholderText="Risk: 1% or 500",
                                   alignment=_RIGHT, toolTip="Risk per trade: a % of the account's equity, or an "
                                                             "amount in its risk-limit currency")
        self.size_button = QPushButton("Size", objectName="orderTicket.sizeButton",
                                       toolTip="Set the quantity so that the stop-loss (Protect) loses the risk, "
                                               "rounded down to the lot and capped by the risk limits")
        self.clicks_check = QCheckBox("Ladder && chart", objectName="orderTicket.sizeClicksCheck",
                                      toolTip="Size every ladder click and chart place by this risk and the Protect "
                                              "stop-loss (a price, or ticks from the clicked price)")
        self.result_label = QLabel(objectName="orderTicket.sizeResultLabel", wordWrap=True, visible=False)
        row = QHBoxLayout(spacing=6)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.risk_edit, 1)
        row.addWidget(self.size_button)
        row.addWidget(self.clicks_check)
        column = QVBoxLayout(self, spacing=2)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.result_label)
        self.size_button.clicked.connect(self.requested)
        self.clicks_check.toggled.connect(self.clicks_toggled)
        self.risk_edit.installEventFilter(self)  # Enter here sizes; it must not reach the ticket, which sends
        self.setEnabled(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.risk_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.requested.emit()
            return True
        return super().eventFilter(watched, event)

    def set_sizer(self, sizer: Sizer | None) -> None:
        self._sizer = sizer
        self.setEnabled(sizer is not None)
        if sizer is None:
            self.clicks_check.setChecked(False)

    def click_spec(self, stop_text: str, in_ticks: bool) -> SizingSpec | None:
        """Return how a ladder or chart click is sized (None: by its own quantity); SizingError saying what is missing.

        stop_text is the Protect stop-loss: a price, or (in_ticks) a whole number of ticks from the clicked price.
        """
        if not self.clicks_check.isChecked():
            return None
        pct, amount = read_risk(self.risk_edit.text())
        try:
            stop = Decimal(stop_text.strip())
        except InvalidOperation:
            stop = Decimal(0)
        if not stop_text.strip() or not stop.is_finite() or stop <= 0:
            raise SizingError("stop", "Clicks are sized by risk: enter a stop-loss under Protect (a price, or ticks "
                                      "from the clicked price), or uncheck 'Ladder & chart'.")
        if not in_ticks:
            return SizingSpec(risk_pct=pct, risk_amount=amount, stop=stop)
        if stop != stop.to_integral_value():
            raise SizingError("stop", f"The Protect stop-loss in ticks must be whole, not {stop_text.strip()}.")
        return SizingSpec(risk_pct=pct, risk_amount=amount, stop_ticks=int(stop))

    def clear(self) -> None:
        self.result_label.clear()
        self.result_label.setVisible(False)

    def size(self, valid: ValidatedRequest | None, errors: list[FieldError], stop: Decimal | None) -> Decimal | None:
        """Size valid with its stop-loss; show the result (or why not) and return the quantity, or None."""
        try:
            if self._sizer is None:
                raise SizingError("risk", "Sizing by risk is not available here.")
            pct, amount = read_risk(self.risk_edit.text())
            if valid is None:
                raise SizingError("symbol", errors[0].message if errors else "Complete the order first.")
            if stop is None:
                raise SizingError("stop", "Enter a stop-loss under Protect: the size is what that stop would risk.")
            sized, currency = self._sizer(valid, SizingSpec(risk_pct=pct, risk_amount=amount, stop=stop))
        except SizingError as exc:
            self._show(exc.message, ok=False)
            return None
        text = (f"Qty {plain(sized.quantity)} · risks {sized.at_risk.quantize(Decimal('0.01')):,f} {currency} "
                f"to the stop {sized.stop:.{valid.instrument.price_places}f}")
        if sized.capped_by is not None:
            text += f" · capped: {sized.capped_by}"
        self._show(text, ok=True)
        return sized.quantity

    def _show(self, text: str, ok: bool) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet("" if ok else "color: #e53935;")
        self.result_label.setVisible(True)

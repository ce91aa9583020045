"""ModifyOrderDialog: change a working order's quantity and prices; errors show next to their fields."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core.domain import FieldError, Order
from gui.widgets.fit_reasons import fit_reasons
from gui.widgets.select_on_click import select_all_on_click

_FIELDS = ("quantity", "limit_price", "stop_price")


class ModifyOrderDialog(QDialog):
    """objectName 'modifyOrderDialog'; fields modifyOrder.quantity, .limitPrice, .stopPrice, each with an
    error label (modifyOrder.quantityError, ...), and modifyOrder.status for a refusal from elsewhere.

    Signals: modify_requested(str quantity, str limit_price, str stop_price) on OK; the window answers
    with show_errors() (the dialog stays open) or accept().
    """

    modify_requested = Signal(str, str, str)

    def __init__(self, order: Order, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modifyOrderDialog")
        self.setWindowTitle(f"Modify {order.side.value} {order.symbol}")
        self.setMinimumWidth(380)  # room for a reason beside its field
        self.order = order
        places = order.instrument.price_places
        self.quantity = QLineEdit(f"{order.quantity.value.normalize():f}", objectName="modifyOrder.quantity")
        self.limit_price = QLineEdit(objectName="modifyOrder.limitPrice")
        self.stop_price = QLineEdit(objectName="modifyOrder.stopPrice")
        if order.limit_price is not None:
            self.limit_price.setText(f"{order.limit_price.value:.{places}f}")
        if order.stop_price is not None:
            self.stop_price.setText(f"{order.stop_price.value:.{places}f}")
        select_all_on_click(self.quantity, self.limit_price, self.stop_price)  # a typed number replaces, not joins
        self.limit_price.setEnabled(order.order_type.needs_limit)
        self.stop_price.setEnabled(order.order_type.needs_stop)
        self._errors = {name: QLabel(objectName=f"modifyOrder.{_camel(name)}Error") for name in _FIELDS}
        for label in self._errors.values():
            label.setStyleSheet("color: #d32f2f;")
            label.setWordWrap(True)
            label.hide()
        self.status = QLabel(objectName="modifyOrder.status", wordWrap=True)
        self.status.setStyleSheet("color: #d32f2f;")
        filled = order.filled_qty.normalize()
        heading = QLabel(f"{order.side.value} {order.symbol} {order.order_type.value} on {order.account_id}"
                         + (f" — {filled:f} already filled" if order.filled_qty else ""))
        form = QFormLayout()
        for title, edit, name in (("Quantity", self.quantity, "quantity"), ("Limit", self.limit_price, "limit_price"),
                                  ("Stop", self.stop_price, "stop_price")):
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            form.addRow(title, edit)
            form.addRow("", self._errors[name])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   objectName="modifyOrder.buttons")
        buttons.accepted.connect(self._on_ok_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        """Show each error next to its field; others in the status line."""
        for label in self._errors.values():
            label.hide()
        other = []
        for error in errors:
            label = self._errors.get(error.field)
            if label is None:
                other.append(error.message)
            else:
                label.setText(error.message)
                label.show()
        self.status.setText(" ".join(other))
        fit_reasons(self, *self._errors.values(), self.status)

    def _on_ok_clicked(self) -> None:
        self.modify_requested.emit(self.quantity.text(), self.limit_price.text(), self.stop_price.text())


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)

"""Dialogs of the approval queue: edit an order before approving it, and give a reason to reject one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain import OrderType, TimeInForce
from core.services.approval_row import ApprovalRow
from core.services.approvals import OrderEdit


def _plain(value: object) -> str:
    return "" if value is None else format(value, "f")


class ApprovalEditDialog(QDialog):
    """Change quantity, price, type or TIF of a pending strategy order, then approve it.

    Signals: editAccepted(OrderEdit) when the trader presses "Approve edited".
    """

    editAccepted = Signal(object)

    def __init__(self, row: ApprovalRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvalEditDialog")
        self.setWindowTitle(f"Edit {row.side.value} {row.symbol} from {row.strategy_id}")
        price = "" if row.price is None else f" @ {row.price:.{row.price_places}f}"
        self.headline = QLabel(f"{row.side.value} {_plain(row.quantity)} {row.symbol} {row.order_type.value}{price} on "
                               f"{row.account_id}, from {row.strategy_id}: change what it should be, then approve.",
                               objectName="approvalEdit.headline", wordWrap=True)
        form = QFormLayout()
        self.quantity_edit = QLineEdit(_plain(row.quantity), objectName="approvalEdit.quantityEdit")
        self.type_combo = QComboBox(objectName="approvalEdit.typeCombo")
        for order_type in OrderType:
            if order_type is OrderType.TRAIL_LIMIT:
                continue  # the strategy API sends no trailing stop-limit
            if not order_type.is_trailing or row.trail:  # TRAIL only for a trailing stop, whose trail is kept
                self.type_combo.addItem(order_type.value)
        self.type_combo.setCurrentText(row.order_type.value)
        price = row.price if row.order_type.needs_limit else None
        stop = row.price if row.order_type is OrderType.STOP else None
        self.limit_edit = QLineEdit(_plain(price), objectName="approvalEdit.limitPriceEdit")
        self.stop_edit = QLineEdit(_plain(stop), objectName="approvalEdit.stopPriceEdit")
        self.tif_combo = QComboBox(objectName="approvalEdit.tifCombo")
        for tif in TimeInForce:
            self.tif_combo.addItem(tif.value)
        self.tif_combo.setCurrentText(row.tif)
        form.addRow("Quantity", self.quantity_edit)
        form.addRow("Type", self.type_combo)
        form.addRow("Limit price", self.limit_edit)
        form.addRow("Stop price", self.stop_edit)
        form.addRow("TIF", self.tif_combo)
        self.error_label = QLabel(objectName="approvalEdit.errorLabel")
        self.error_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.approve_button = QPushButton("Approve edited", objectName="approvalEdit.approveButton")
        buttons.addButton(self.approve_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_approve_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)  # a dialog's title bar is the window manager's: the order is named here too
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def edit(self) -> OrderEdit:
        """Return the values as entered (the session validates them and names a wrong field)."""
        order_type = OrderType(self.type_combo.currentText())
        return OrderEdit(
            quantity=self.quantity_edit.text().strip() or None,
            limit_price=self.limit_edit.text().strip() or None if order_type.needs_limit else None,
            stop_price=self.stop_edit.text().strip() or None if order_type.needs_stop else None,
            order_type=order_type, tif=TimeInForce(self.tif_combo.currentText()),
        )

    def _on_approve_clicked(self) -> None:
        self.editAccepted.emit(self.edit())
        self.accept()


class RejectReasonDialog(QDialog):
    """Ask why an order is rejected; the strategy sees the reason.

    Signals: reasonGiven(str) on OK (never with an empty reason).
    """

    reasonGiven = Signal(str)

    def __init__(self, row: ApprovalRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rejectReasonDialog")
        self.setWindowTitle(f"Reject {row.side.value} {row.symbol} from {row.strategy_id}")
        self.reason_edit = QLineEdit(objectName="rejectReason.reasonEdit")
        self.reason_edit.setPlaceholderText("Why (the strategy sees this)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = QPushButton("Reject", objectName="rejectReason.okButton")
        self.ok_button.setEnabled(False)
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_ok_clicked)
        buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason_edit)
        layout.addWidget(buttons)

    def _on_ok_clicked(self) -> None:
        self.reasonGiven.emit(self.reason_edit.text().strip())
        self.accept()

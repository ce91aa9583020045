"""ReconciliationDialog: our books differ from the broker's; show how, and let the trader adopt the broker's."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from core.domain import AccountId


class ReconciliationDialog(QDialog):
    """objectName 'reconciliationDialog'; children reconciliation.differences, .acceptButton, .keepHaltedButton.

    Signals: accept_requested(AccountId account_id) when the trader adopts the broker's positions.
    """

    accept_requested = Signal(object)  # AccountId

    def __init__(self, account_id: AccountId, differences: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconciliationDialog")
        self.setWindowTitle(f"{account_id}: books differ from the broker")
        self.account_id = account_id
        intro = QLabel(
            f"<b>New orders on {account_id} are halted.</b> TradeTerm's books differ from what the broker "
            "reports, as listed below. Check them at the broker; then either adopt the broker's positions "
            "(journaled as adjustments, recorded in the audit trail) or keep the account halted and investigate. "
            "An order listed as working again is one the broker still works after TradeTerm had ended it: cancel "
            "it if you do not want it."
        )
        intro.setWordWrap(True)
        self.differences = QListWidget(objectName="reconciliation.differences")
        self.set_differences(differences)
        self.accept_button = QPushButton("Adopt the broker's positions", objectName="reconciliation.acceptButton")
        self.keep_button = QPushButton("Keep halted", objectName="reconciliation.keepHaltedButton")
        self.keep_button.setDefault(True)
        self.accept_button.clicked.connect(self._on_accept_clicked)
        self.keep_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.differences)
        layout.addLayout(buttons)
        self.resize(560, 320)

    def set_differences(self, differences: Sequence[str]) -> None:
        """List these differences (a later reconciliation's, in place of the earlier list)."""
        self.differences.clear()
        self.differences.addItems(list(differences))

    def _on_accept_clicked(self) -> None:
        self.accept_requested.emit(self.account_id)
        self.accept()

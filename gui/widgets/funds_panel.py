"""FundsPanel: the account panel dock: funds per account and currency, totals, and a grand total in a base currency."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.models.funds import FundsTableModel
from gui.widgets.grid_view import make_grid_view, widen_to_content

DEFAULT_BASE = "USD"


class FundsPanel(QWidget):
    """objectName 'fundsPanel'; children 'fundsPanel.table', 'fundsPanel.baseCurrency', 'fundsPanel.grandTotal'.

    Signals: base_changed(str currency) when the trader picks another base currency for the grand total.
    """

    base_changed = Signal(str)

    def __init__(self, model: FundsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fundsPanel")
        self.table = make_grid_view(model, "fundsPanel.table", self)
        widen_to_content(self.table, model)  # cash in the billions shows whole, not "12,345,6…"
        self.base_combo = QComboBox(self, objectName="fundsPanel.baseCurrency")
        self.base_combo.setToolTip("The currency the grand total is converted into, with FX rates from a "
                                   "connected feed.")
        self.base_combo.addItem(DEFAULT_BASE)
        self.grand_total = QLabel(self, objectName="fundsPanel.grandTotal")
        self.grand_total.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Grand total in"))
        top.addWidget(self.base_combo)
        top.addWidget(self.grand_total, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.base_combo.currentTextChanged.connect(self.base_changed)

    @property
    def base(self) -> str:
        return self.base_combo.currentText() or DEFAULT_BASE

    def choose_base(self, currency: str) -> None:
        """Show the grand total in currency (offered first if the accounts hold none of it yet)."""
        if self.base_combo.findText(currency) < 0:
            self.base_combo.addItem(currency)
        self.base_combo.setCurrentText(currency)

    def offer_currencies(self, currencies: Iterable[str]) -> None:
        """Add currencies the accounts hold to the base choices (keeping the current pick)."""
        known = {self.base_combo.itemText(i) for i in range(self.base_combo.count())}
        for currency in sorted(set(currencies) - known):
            self.base_combo.addItem(currency)

    def show_grand_total(self, text: str) -> None:
        self.grand_total.setText(text)

"""The ticket's Product choice (CNC, MIS, NRML): shown only for an account whose broker takes a product (Kite)."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from core.domain.product import Product
from core.ports.order_products import ProductOffer


class ProductChoiceWidget(QWidget):
    """A "Product" caption and combo beside the ticket's account; hidden when the account has no products.

    Events:
        changed(): the trader picked another product.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderTicket.productChoice")
        self._combo = QComboBox(objectName="orderTicket.productCombo")
        self._combo.setToolTip("CNC: delivery · MIS: intraday, squared off before the close · NRML: F&O overnight")
        caption = QLabel("Product", alignment=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        caption.setBuddy(self._combo)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(caption)
        row.addWidget(self._combo, 1)
        self._offer: ProductOffer | None = None
        self._combo.currentIndexChanged.connect(lambda _index: self.changed.emit())
        self.setVisible(False)

    @property
    def combo(self) -> QComboBox:
        return self._combo

    def offer(self, offer: ProductOffer | None) -> None:
        """Offer these products (keeping the trader's choice while it is offered, else the default); None hides."""
        if offer == self._offer:
            return
        kept = self.product()
        self._offer = offer
        with QSignalBlocker(self._combo):
            self._combo.clear()
            for product in offer.choices if offer is not None else ():
                self._combo.addItem(product.label)
            if offer is not None:
                chosen = kept if kept in offer.choices else offer.default
                self._combo.setCurrentIndex(offer.choices.index(chosen))
        self.setVisible(offer is not None)

    def product(self) -> Product | None:
        """Return the chosen product, or None while no product is offered."""
        index = self._combo.currentIndex()
        return self._offer.choices[index] if self._offer is not None and index >= 0 else None

    def choose(self, product: Product) -> bool:
        """Choose product (a position's close: its own product) without a `changed`; False if it is not offered."""
        if self._offer is None or product not in self._offer.choices:
            return False
        with QSignalBlocker(self._combo):
            self._combo.setCurrentIndex(self._offer.choices.index(product))
        return True

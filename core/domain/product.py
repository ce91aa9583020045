"""Product: how an Indian exchange's broker margins an order's position and how long it may be held.

The codes are the ones NSE/BSE brokers (Zerodha Kite among them) use on every order; other brokers have no
product and their orders carry none.
"""

from __future__ import annotations

from enum import StrEnum

from core.domain.enums import AssetClass


class Product(StrEnum):
    """An order's product; None on an order means the account's default."""

    CNC = "CNC"
    """Cash and carry: equity delivery, paid in full, held as long as the trader likes."""
    MIS = "MIS"
    """Intraday, on margin: the broker squares the position off before the close."""
    NRML = "NRML"
    """Normal: futures and options carried overnight, on full exchange margin."""

    @property
    def label(self) -> str:
        """The product as the ticket lists it: 'CNC · delivery'."""
        return f"{self.value} · {_MEANING[self]}"


_MEANING = {Product.CNC: "delivery", Product.MIS: "intraday", Product.NRML: "F&O overnight"}


def products_for(asset_class: AssetClass) -> tuple[Product, ...]:
    """Return the products an instrument of this class can be traded in: shares CNC or MIS, F&O NRML or MIS."""
    if asset_class in (AssetClass.FUTURE, AssetClass.OPTION):
        return (Product.NRML, Product.MIS)
    if asset_class is AssetClass.INDEX:
        return ()
    return (Product.CNC, Product.MIS)


def parse_product(raw: object) -> Product:
    """Return the product raw names ('MIS', 'mis', Product.MIS); ValueError naming every product otherwise."""
    if isinstance(raw, Product):
        return raw
    if isinstance(raw, str):
        text = raw.strip().upper()
        for product in Product:
            if text == product.value:
                return product
    allowed = ", ".join(product.label for product in Product)
    raise ValueError(f"product must be one of {allowed}; leave it out for the account's default.")

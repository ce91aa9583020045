"""OrderProducts: an account whose broker takes a product on every order (Kite: CNC, MIS, NRML).

The order ticket shows a Product choice only for such an account, offering `products_for(instrument)`, its
default first chosen; the chosen product travels on the OrderRequest and the Order (journaled with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from core.domain import Instrument
from core.domain.product import Product


@dataclass(frozen=True, slots=True)
class ProductOffer:
    """The products an instrument can be traded in on an account, and the one an order gets when none is chosen."""

    choices: tuple[Product, ...]
    default: Product

    def __post_init__(self) -> None:
        if self.default not in self.choices:
            raise ValueError(f"the default product {self.default} is not among {self.choices}")


@runtime_checkable
class OrderProducts(Protocol):
    """An account that sends a product with every order. Checked with isinstance on the adapter.

    Implementers: `products_for` returns what the instrument can be traded in (shares CNC or MIS, F&O NRML or
    MIS: core.domain.product.products_for) with the account's configured default where it applies, or None
    for an instrument that cannot be traded (an index). An order whose product is None gets the default.
    """

    def products_for(self, instrument: Instrument) -> ProductOffer | None:
        """Return the products offered for instrument on this account, its default first chosen."""
        ...

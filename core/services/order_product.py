"""The product an order goes out in: the one the trader chose, checked against the account, or the account's default.

Resolved on the one order path before the journal write, so the journal holds the product actually sent.
"""

from __future__ import annotations

from typing import cast

from core.domain import AccountId, FieldError, ValidatedRequest
from core.domain.product import Product
from core.ports.broker import BrokerAdapter
from core.ports.capability_check import has_capability
from core.ports.order_products import OrderProducts


def resolve_product(adapter: BrokerAdapter, valid: ValidatedRequest,
                    account_id: AccountId) -> tuple[Product | None, list[FieldError]]:
    """Return the order's product (None for a broker without products), or the field error that refuses it."""
    if not has_capability(adapter, OrderProducts):
        if valid.product is None:
            return None, []
        return None, [FieldError("product", f"{account_id} takes no product ({valid.product.value}): its broker "
                                            "has none. Clear the product, or choose a Kite account.")]
    offer = cast(OrderProducts, adapter).products_for(valid.instrument)
    if offer is None:
        return None, [FieldError("symbol", f"{valid.instrument.symbol} cannot be traded on {account_id}.")]
    if valid.product is None:
        return offer.default, []
    if valid.product not in offer.choices:
        choices = " or ".join(p.value for p in offer.choices)
        return None, [FieldError("product", f"{account_id} trades {valid.instrument.symbol} as {choices}, not "
                                            f"{valid.product.value}: choose {choices}.")]
    return valid.product, []

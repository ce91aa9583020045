"""Why a request did not become an order: OrderRefused, and ConfirmRequired for closes on a held account.

Both are re-exported by core.services.session, where callers import them.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.domain import FieldError


class OrderRefused(Exception):
    """The request did not become an order; each FieldError names the field and what to change."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))


class ConfirmRequired(OrderRefused):
    """The order (or Flatten) only reduces positions on a held account: send it again with `confirmed_by`.

    The message names the account, its state and why it is held, and says the order only reduces the
    position. Nothing was journaled or sent.
    """

    def __init__(self, message: str) -> None:
        super().__init__([FieldError("account_id", message)])


REDUCE_WHILE_HELD_AUDIT = "reduce_while_held"
"""Audit action of a close or Flatten order a person confirmed on a held account (detail: account, state, order)."""

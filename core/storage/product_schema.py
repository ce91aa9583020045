"""Journal format 5: the product (CNC, MIS, NRML) the trader chose for an order, kept with its order.

Kept apart from schema.py's other formats so that a branch that adds another format merges by renumbering
one line there. The column is NULL for an order sent in its account's default product, for every order of a
broker without products, and for every order of an older journal.
"""

from __future__ import annotations


def order_product_migration() -> tuple[str, ...]:
    """Return the statements that add the product column to a journal's orders."""
    return ("ALTER TABLE orders ADD COLUMN product TEXT",)

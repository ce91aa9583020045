"""Journal format 8: when a GTD (good-till-date) order ends, kept with its order.

Kept apart from schema.py's other formats so that a branch that adds another format merges by renumbering
one line there. The column is NULL for every order but a GTD one (and for every order of an older journal:
the broker keeps such an order's end, and a change keeps it), and holds the end as ISO 8601 with its offset.
"""

from __future__ import annotations


def order_expiry_migration() -> tuple[str, ...]:
    """Return the statements that add the expire_at column to a journal's orders."""
    return ("ALTER TABLE orders ADD COLUMN expire_at TEXT",)

"""Journal format 6: a trailing stop's trail, kept with its order.

Kept apart from schema.py's other formats so that a branch that adds another format merges by renumbering
one line there. The column is NULL for every order but a TRAIL one (and for every order of an older journal),
and holds Trail.text(): '1.5' for an amount of price, '2%' for a percent.
"""

from __future__ import annotations


def order_trail_migration() -> tuple[str, ...]:
    """Return the statements that add the trail column to a journal's orders."""
    return ("ALTER TABLE orders ADD COLUMN trail TEXT",)

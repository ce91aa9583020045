"""Journal format 7: a trailing stop-limit's limit offset, kept with its order.

Kept apart from schema.py's other formats so that a branch that adds another format merges by renumbering
one line there. The column is NULL for every order but a TRAIL_LMT one (and for every order of an older journal),
and holds the offset as a decimal string ('0.05': the limit sits 0.05 beyond the stop).
"""

from __future__ import annotations


def order_trail_limit_migration() -> tuple[str, ...]:
    """Return the statements that add the trailing stop-limit's limit offset column to a journal's orders."""
    return ("ALTER TABLE orders ADD COLUMN trail_limit_offset TEXT",)

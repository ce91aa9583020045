"""Journal format 4: the children TradeTerm holds for brackets (protective orders), one row per entry and leg.

Kept apart from schema.py's other formats so that a branch that adds another format merges by renumbering
one line there. A row is written in the transaction of its entry order (as PENDING), and again in the
transaction of the child order it sends (as TRIGGERED), so a restart finds either both or neither.
"""

from __future__ import annotations


def held_orders_migration() -> tuple[str, ...]:
    """Return the statements that add the held children's table to a journal."""
    return (
        """CREATE TABLE held_orders (
            entry_id TEXT NOT NULL REFERENCES orders (client_order_id),
            leg TEXT NOT NULL,
            account_id TEXT NOT NULL,
            symbol TEXT NOT NULL,
            entry_side TEXT NOT NULL,
            trigger_price TEXT NOT NULL,
            state TEXT NOT NULL,
            quantity TEXT NOT NULL,
            reason TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            PRIMARY KEY (entry_id, leg)
        )""",
        "CREATE INDEX held_orders_live ON held_orders (state) WHERE state IN ('PENDING', 'ARMED')",
    )

"""Journal format 9: the positions checkpoint a restart reads instead of folding every fill ever made.

Kept apart from schema.py's other formats so that a branch that adds another format merges by renumbering
one line there. One row (id 1), replaced in one transaction: a crash leaves the old checkpoint or the new one.
A journal of an older format gets the empty table: its first restart folds every fill once and writes the row.
"""

from __future__ import annotations


def positions_checkpoint_migration() -> tuple[str, ...]:
    """Return the statements that add the positions checkpoint's table to a journal."""
    return (
        """CREATE TABLE IF NOT EXISTS positions_checkpoint (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            written_at TEXT NOT NULL,
            state TEXT NOT NULL
        )""",
    )

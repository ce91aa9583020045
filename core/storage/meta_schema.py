"""Journal format 10: the journal's own notes about itself (journal_integrity.py: clean close, last full check).

Kept apart from schema.py's other formats so that a branch that adds another format merges by renumbering
one line there. Key/value rows of JSON text; a journal of an older format gets the empty table, so its first
open runs the full integrity check (no clean close is recorded in it).
"""

from __future__ import annotations


def journal_meta_migration() -> tuple[str, ...]:
    """Return the statements that add the journal's meta table."""
    return (
        """CREATE TABLE IF NOT EXISTS journal_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    )

"""literal(): text for a button, menu entry or tab that Qt shows as written.

Qt reads '&' in such text as the mark of a keyboard shortcut: 'Export realized P&L (FIFO)…' showed as 'Export
realized PL' with the L underlined (and Alt+L pressed it), and a symbol such as M&M in a menu entry ('Flatten M&M on
KITE-1 at market…') lost its '&'. Doubled, it is one '&' on screen and no shortcut.
"""

from __future__ import annotations


def literal(text: str) -> str:
    """Return text with each '&' doubled, for QPushButton, QAction and tab texts."""
    return text.replace("&", "&&")

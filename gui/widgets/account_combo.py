"""keep_narrow: a combo of account ids that does not widen its dock when an account has a long id."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

NARROW_CHARACTERS = 12
"""What the closed combo is sized for: PAPER-1, ALPACA-PAPER, KITE-AB1234 whole; an OANDA id
(OANDA-practice-101-004-1234567-001, 34 characters) is elided, whole in the list it drops down."""


def keep_narrow(combo: QComboBox) -> QComboBox:
    """Size combo for NARROW_CHARACTERS, not its longest item; return it.

    A combo sized to its items grew with a new OANDA account: the ticket, ladder and watchlist docks widened,
    the positions grid between them narrowed by 100 px, and its P&L went behind a scroll.
    """
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(NARROW_CHARACTERS)
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0))
    return combo

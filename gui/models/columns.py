"""Column: one grid column declared once (key, header, formatter, alignment, optional color)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter

GAIN = QColor(0x1B, 0x9E, 0x3E)
LOSS = QColor(0xD9, 0x30, 0x25)
MUTED = QColor(0x8A, 0x8F, 0x96)
"""Figures that are no longer live (their feed is down): readable on the light and the dark theme."""


def sign_color(value: Decimal | None) -> QColor | None:
    """Return GAIN for a positive value, LOSS for a negative one, None (the view's default) otherwise."""
    if value is None or not value:
        return None
    return GAIN if value > 0 else LOSS


@dataclass(frozen=True, slots=True)
class Column:
    """How one column turns a row into a cell: text, alignment and (for P&L) a color."""

    key: str
    header: str
    formatter: Callable[[Any], str]
    alignment: Qt.AlignmentFlag = LEFT
    color: Callable[[Any], QColor | None] | None = None

"""Tone: a message's colour as a dynamic property one style sheet selects on, re-polished only when it changes.

A `setStyleSheet` per message re-parses a sheet and re-polishes the widget every time, even when the
colour is the one already shown (the ticket did it several times per order). A widget under a sheet
that holds TONE_STYLE (the order ticket's) takes a colour with `show_tone(widget, Tone.BAD)`: nothing
happens when the tone is unchanged, one re-polish of that widget when it changes.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtWidgets import QWidget

RED, GREEN, AMBER = "#e53935", "#43a047", "#ef6c00"


class Tone(StrEnum):
    """What a message's colour says: nothing (the palette's text), good (green), bad (red), a warning (amber)."""

    PLAIN = ""
    GOOD = "good"
    BAD = "bad"
    WARN = "warn"


TONE_STYLE = f"""
QLabel[tone="good"] {{ color: {GREEN}; }}
QLabel[tone="bad"] {{ color: {RED}; }}
QLabel[tone="warn"] {{ color: {AMBER}; }}
"""


def show_tone(widget: QWidget, tone: Tone) -> None:
    """Colour widget by tone; re-polish it only when its tone changes."""
    if (widget.property("tone") or "") != tone.value:
        widget.setProperty("tone", tone.value)
        repolish(widget)


def set_property(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the style sheet selects on; re-polish only when its value changes."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        repolish(widget)


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property the sheet selects on changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)

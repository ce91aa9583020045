"""LadderQuantity: the ladder's quantity box, which never turns what the trader typed into another number.

A plain QSpinBox drops each key it refuses: "10.5" became 105 and "2k" became 2, and with one-click armed the next
click sent that. This box keeps any text as typed (shown in red) until it is a whole number in range, keeps it
when the pointer leaves it for the levels (a QSpinBox puts its last number back), and `wrong()` tells the click
to send nothing and say why.
"""

from __future__ import annotations

from PySide6.QtGui import QFocusEvent, QValidator
from PySide6.QtWidgets import QSpinBox, QWidget

WRONG_STYLE = "QSpinBox { color: #c62828; }"
MAXIMUM = 10_000_000


class LadderQuantity(QSpinBox):
    """A whole quantity from 1 to MAXIMUM (its range, fixed); other text stays as typed and is `wrong()`."""

    def __init__(self, parent: QWidget | None = None, *, objectName: str = "") -> None:
        super().__init__(parent, objectName=objectName)
        self.setRange(1, MAXIMUM)
        self._typed = self.text()
        """The box's text, kept as its line edit changes (typed or set): an armed click reads it without asking Qt
        for the text and the range, some 15 us of a click after idleness (bench.ladder)."""
        self.lineEdit().textChanged.connect(self._note_typed)

    def _note_typed(self, text: str) -> None:
        self._typed = text

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        digits = text.strip()
        whole = self._whole(digits)
        state = QValidator.State.Intermediate if whole is None else QValidator.State.Acceptable
        style = "" if whole is not None or not digits else WRONG_STYLE
        if self.styleSheet() != style:  # a new style sheet re-polishes the box: only when it changes
            self.setStyleSheet(style)
        return state, text, pos

    @staticmethod
    def _whole(digits: str) -> int | None:
        """The whole quantity digits spell, from 1 to MAXIMUM, or None."""
        if digits.isascii() and digits.isdigit() and 1 <= (number := int(digits)) <= MAXIMUM:
            return number
        return None

    def wrong(self) -> str | None:
        """Why the box's text is not a quantity a click may send, or None when it is.

        Read in Python (what validate() accepts): hasAcceptableInput() went through Qt's validator back into
        validate() and its style sheet check, some 40 µs of an armed click after idleness (bench.ladder)."""
        text = self._typed.strip()
        if self._whole(text) is not None:
            return None
        if text.isascii() and text.isdigit():
            return f"Quantity {text} is outside 1 to {MAXIMUM:,}: type a quantity in that range."
        return f"Quantity '{text}' is not a whole number: the ladder sends whole units; type one (e.g. 10)."

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if self.hasAcceptableInput():
            super().focusOutEvent(event)
        else:
            QWidget.focusOutEvent(self, event)  # keep the text: QAbstractSpinBox would put the last number back

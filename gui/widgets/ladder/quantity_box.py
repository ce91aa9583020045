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


class LadderQuantity(QSpinBox):
    """A whole quantity from 1 to `maximum()`; other text stays as typed and is `wrong()`."""

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        digits = text.strip()
        state = QValidator.State.Intermediate
        if digits.isascii() and digits.isdigit() and self.minimum() <= int(digits) <= self.maximum():
            state = QValidator.State.Acceptable
        style = "" if state is QValidator.State.Acceptable or not digits else WRONG_STYLE
        if self.styleSheet() != style:  # a new style sheet re-polishes the box: only when it changes
            self.setStyleSheet(style)
        return state, text, pos

    def wrong(self) -> str | None:
        """Why the box's text is not a quantity a click may send, or None when it is."""
        text = self.text().strip()
        if self.hasAcceptableInput():
            return None
        if text.isascii() and text.isdigit():
            return f"Quantity {text} is outside 1 to {self.maximum():,}: type a quantity in that range."
        return f"Quantity '{text}' is not a whole number: the ladder sends whole units; type one (e.g. 10)."

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if self.hasAcceptableInput():
            super().focusOutEvent(event)
        else:
            QWidget.focusOutEvent(self, event)  # keep the text: QAbstractSpinBox would put the last number back

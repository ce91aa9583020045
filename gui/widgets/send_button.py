"""SendButton: the order ticket's send button, whose text is the order it sends and changes with every order."""

from __future__ import annotations

from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QPushButton, QStyle, QStyleOptionButton, QStylePainter, QWidget


class SendButton(QPushButton):
    """A push button that paints its own text, so that a new text repaints it and never re-lays out the window.

    QPushButton.setText asks the layout for a new size (updateGeometry): the ticket's grid is laid out again,
    the dock around it, then the main window and every dock in it (some 0.4 ms), once for every order and
    every field typed, though the button's size never follows its text (it takes the width of the ticket and
    elides what does not fit). Painted as QPushButton paints itself, with this text in the style option.
    Its text makes no shortcut: as QPushButton's, a symbol such as M&M made Alt+M click Send.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self.setAccessibleName(text)  # what a screen reader reads, as it would read the button's own text
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self._text
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)
        painter.end()

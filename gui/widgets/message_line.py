"""MessageLine: a label whose height is fixed, so a message that comes and goes never moves the fields around it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class MessageLine(QLabel):
    """A label that keeps `lines` lines of room whether it shows a message, none, or is hidden.

    One line: a longer message is elided ("…"); more lines: it wraps. The whole of it is in the tooltip, a new
    message only repaints it (it is painted here, as QLabel paints a plain text: QLabel.setText would re-lay out
    the whole form, a wrapping label's text measured again for every line of it), and its width never pushes
    the form wider.
    """

    def __init__(self, object_name: str, lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._lines = lines
        self._text = ""
        self.said = 0
        """How many messages were given (setText, the same one again too): whether one came meanwhile."""
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self._fit_height()

    def _fit_height(self) -> None:
        margins = self.contentsMargins()
        self.setFixedHeight(self.fontMetrics().lineSpacing() * self._lines + margins.top() + margins.bottom())

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        self.said += 1
        if text == self._text:  # the same message again (every order's result): no tooltip event, no repaint
            return
        self._text = text  # painted by paintEvent: QLabel.setText would re-lay out the whole form each time
        self.setAccessibleName(text)  # what a screen reader reads, as it would read a QLabel's text
        self.update()
        self.setToolTip(text)

    def clear(self) -> None:
        """Show no message; nothing happens when none is shown (QLabel.clear re-lays out the form every time)."""
        self.setText("")

    def sizeHint(self) -> QSize:
        return QSize(0, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_height()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        flags = int(self.alignment())
        if self._lines == 1:
            text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, rect.width())
        else:
            text, flags = self._text, flags | Qt.TextFlag.TextWordWrap
        self.style().drawItemText(painter, rect, flags, self.palette(), self.isEnabled(), text, self.foregroundRole())
        painter.end()

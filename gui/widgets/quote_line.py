"""QuoteLine: a one-line rich-text label whose new text only repaints it, never re-lays out the form around it."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QStaticText, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

_TAG = re.compile(r"<[^>]*>")


class QuoteLine(QLabel):
    """A QLabel for a line that changes many times a second (the ticket's Bid·Ask, once per frame).

    QLabel.setText re-lays out the whole form whenever the label is not of a fixed size (1.3 ms of the
    ticket's 1.9 ms per quote on the real window). This one keeps its height, takes the width the layout
    gives it, and on a new text only repaints; it asks for more width only when a text would not fit in
    the widest it has asked for so far (rarely: a feed's note, not a price). It paints its own background
    (the palette's window colour, as the form's), so a repaint does not repaint the form under it.
    """

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._text = ""
        self._static = QStaticText()
        self._static.setTextFormat(Qt.TextFormat.RichText)
        option = QTextOption(Qt.AlignmentFlag.AlignLeft)
        option.setWrapMode(QTextOption.WrapMode.NoWrap)  # one line, however narrow the form
        self._static.setTextOption(option)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # it paints its own background: the form's
        self.setFixedHeight(self.fontMetrics().lineSpacing() + 2)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self._static.setText(text)
        self.setAccessibleName(_TAG.sub("", text).replace("&nbsp;", " "))  # what a screen reader reads
        self._static.prepare(font=self.font())
        wanted = int(self._static.size().width()) + 1
        if wanted > self.minimumWidth():
            self.setMinimumWidth(wanted)  # the one change of text that moves the form
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.setFixedHeight(self.fontMetrics().lineSpacing() + 2)
            self._static.prepare(font=self.font())

    def sizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().window())
        painter.setFont(self.font())
        painter.setPen(self.palette().color(self.foregroundRole()))
        top = (self.height() - self._static.size().height()) / 2
        painter.drawStaticText(QPointF(0, max(0.0, top)), self._static)
        painter.end()

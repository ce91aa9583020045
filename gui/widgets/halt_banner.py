"""HaltBanner: the red strip across the top of the window while trading is halted or reducing, saying why, with
a Resume button."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

BANNER_STYLE = (
    "QFrame#haltBanner { background: #c62828; border-bottom: 1px solid #8e0000; }"
    " QFrame#haltBanner QLabel { color: #ffffff; font-weight: bold; }"
)


class HaltBanner(QFrame):
    """objectName 'haltBanner'; children 'haltBanner.text' and 'haltBanner.resumeButton'. Hidden while nothing
    that Resume lifts holds trading. It is laid over the top of the docks, in no layout (HaltBannerController),
    so when the kill switch shows it no widget of the window moves under the trader's pointer and the window is
    neither laid out nor repainted anew (that relayout and repaint, 7-9 ms, were most of the kill switch's
    longest GUI stretch), and while trading it takes no room at all.

    Signals: resume_requested() when the trader presses Resume trading….
    """

    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("haltBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.text = QLabel(objectName="haltBanner.text")
        self.text.setWordWrap(True)
        self.resume_button = QPushButton("Resume trading…", objectName="haltBanner.resumeButton")
        self.resume_button.setToolTip("Lift the kill switch and daily-loss halts, after a confirm (audited).")
        self.resume_button.clicked.connect(self.resume_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.resume_button)
        self.setVisible(False)

    def show_holds(self, lines: Sequence[str]) -> None:
        """Show one line per hold (scope, state and why); hide when there is none."""
        self.text.setText("\n".join(lines))
        self.setVisible(bool(lines))

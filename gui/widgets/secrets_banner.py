"""SecretsBanner: the strip at the top of the window that says secrets cannot be stored, and what to do."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

BANNER_STYLE = (
    "QFrame#secretsBanner { background: #fff4ce; border-bottom: 1px solid #c9a227; }"
    " QFrame#secretsBanner QLabel { color: #4d3800; }"
)


class SecretsBanner(QFrame):
    """Say that passwords and tokens cannot be kept, what stays off, and how to fix it.

    Signals: set_up_requested() when the trader presses "Set up the vault…".
    """

    set_up_requested = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("secretsBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.text = QLabel(text, objectName="secretsBanner.text")
        self.text.setWordWrap(True)
        self.set_up_button = QPushButton("Set up the vault…", objectName="secretsBanner.setUpButton")
        self.set_up_button.setToolTip("Create or unlock the encrypted secrets vault with a master password.")
        self.set_up_button.clicked.connect(self.set_up_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.set_up_button)

"""The question asked before a close or Flatten goes out on a held account (kill switch, daily loss, mismatch)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def ask_held_confirm(parent: QWidget, title: str, text: str, on_yes: Callable[[], None],
                     on_no: Callable[[], None] | None = None) -> QMessageBox:
    """Open the question (objectName heldAccountConfirmDialog) with text; No is the default button."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setObjectName("heldAccountConfirmDialog")
    box.setDefaultButton(QMessageBox.StandardButton.No)

    def answered(result: int) -> None:
        if result == QMessageBox.StandardButton.Yes:
            on_yes()
        elif on_no is not None:
            on_no()

    box.finished.connect(answered)
    box.open()
    return box

"""show_status: the one way a panel's status line says what happened (red when it is an error)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

ERROR_COLOR = "#c62828"


def show_status(label: QLabel, text: str, error: bool = False) -> None:
    """Show text in label; an error is red and marked with the `error` property (for tests and themes)."""
    label.setText(text)
    label.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
    label.setProperty("error", error)

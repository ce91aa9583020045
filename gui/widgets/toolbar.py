"""The trading toolbar's actions: each with its hotkey (application-wide) and a named toolbar button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar


def make_action(parent: QObject, text: str, name: str, shortcut: str,
                slot: Callable[..., object] | None = None) -> QAction:
    """Return an action named name (action.<x>) whose shortcut works anywhere in the application."""
    action = QAction(text, parent)
    action.setObjectName(name)
    action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    action.setToolTip(f"{text} ({shortcut})")
    if slot is not None:
        action.triggered.connect(slot)
    return action


def add_to_toolbar(toolbar: QToolBar, action: QAction) -> None:
    """Add action to toolbar; its button is named toolbar.<x> for action.<x>."""
    toolbar.addAction(action)
    toolbar.widgetForAction(action).setObjectName(f"toolbar.{action.objectName().removeprefix('action.')}")

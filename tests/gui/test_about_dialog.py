"""The About box: the version a trader quotes to support, with Qt, PySide6 and each broker library."""

from __future__ import annotations

from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from gui.dialogs.about import AboutDialog


def shown(qtbot: QtBot) -> AboutDialog:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def label(dialog: AboutDialog, name: str) -> str:
    widget = dialog.findChild(QLabel, f"about.version.{name}")
    assert widget is not None, f"no about.version.{name}"
    return widget.text()


def test_about_shows_the_version_of_tradeterm_qt_pyside6_and_each_installed_broker_library(qtbot: QtBot) -> None:
    dialog = shown(qtbot)
    assert dialog.objectName() == "aboutDialog"
    assert label(dialog, "TradeTerm") == metadata.version("tradeterm")
    assert label(dialog, "Qt") == qVersion()
    assert label(dialog, "PySide6") == PySide6.__version__
    assert label(dialog, "ib_async") == metadata.version("ib_async")
    assert label(dialog, "aiosmtplib") == metadata.version("aiosmtplib")
    title = dialog.findChild(QLabel, "about.title")
    assert title is not None and metadata.version("tradeterm") in title.text()


def test_copy_versions_puts_the_list_on_the_clipboard_and_close_closes(qtbot: QtBot) -> None:
    dialog = shown(qtbot)
    copy = dialog.findChild(QPushButton, "about.copyVersions")
    assert copy is not None
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert f"Qt: {qVersion()}" in text and f"ib_async (ib): {metadata.version('ib_async')}" in text
    close = dialog.findChild(QPushButton, "about.close")
    assert close is not None
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

"""The banner that says the journal was found damaged after the start (core/services/journal_check.py).

Trading is then halted on every account by a hold no Resume lifts, and the journal takes no more writes:
the banner says so, and what to do, for as long as the window is open. It has no button: the way out is
to close TradeTerm and restore or move the journal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow

BANNER_STYLE = (
    "QFrame#journalDamagedBanner { background: #8e0000; border-bottom: 1px solid #5a0000; }"
    " QFrame#journalDamagedBanner QLabel { color: #ffffff; font-weight: bold; }"
)


class JournalDamageBanner(QObject):
    """Show 'journalDamagedBanner' (its text in 'journalDamagedBanner.text') once the journal is found damaged."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._view = window.session.view
        self.banner = QFrame(objectName="journalDamagedBanner")
        self.banner.setStyleSheet(BANNER_STYLE)
        self.text = QLabel(objectName="journalDamagedBanner.text")
        self.text.setWordWrap(True)
        layout = QHBoxLayout(self.banner)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.text, 1)
        self.banner.setVisible(False)
        window.add_banner(self.banner)
        window.bridge.trading_state_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_: object) -> None:
        damage = self._view.journal_damage()
        self.text.setText(damage or "")
        self.banner.setVisible(damage is not None)

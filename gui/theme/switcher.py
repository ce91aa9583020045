"""ThemeSwitcher: colour the running window with a theme, and switch it from the Dark theme action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QWidget

from gui.theme.palette import Theme, apply_theme


class ThemeSwitcher:
    """Show a theme on window: the palette everywhere, the style sheet on the chrome widgets only.

    The Dark theme action's toggle shows the other theme and saves its name with save(name); a save that
    fails is reported with report(text), and what the trader sees stays.
    """

    def __init__(self, window: QWidget, chrome: list[QWidget], action: QAction, theme: Theme,
                 save: Callable[[str], None], report: Callable[[str], None]) -> None:
        self._window = window
        self._chrome = chrome
        self._action = action
        self._save = save
        self._report = report
        self.theme = theme
        action.setCheckable(True)
        action.triggered.connect(self.on_dark_toggled)

    @staticmethod
    def prepare(theme: Theme) -> None:
        """Give the application theme's style and palette before the window's widgets are built.

        A widget's own style sheet is resolved against the palette in force when it is set: set before them, the
        palette needs no re-take of every sheet at the first `show` (9 ms of the start).
        """
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme, [])

    def show(self, theme: Theme) -> None:
        """Colour the whole application with theme."""
        app = QApplication.instance()
        changed = isinstance(app, QApplication) and apply_theme(app, theme, self._chrome)
        if changed:  # a widget with its own sheet keeps the palette it was set under: re-take
            for widget in self._window.findChildren(QWidget):
                sheet = widget.styleSheet()
                if sheet and widget not in self._chrome:
                    widget.setStyleSheet(sheet)
        self.theme = theme
        self._action.setChecked(theme is Theme.DARK)

    def on_dark_toggled(self, dark: bool) -> None:
        self.show(Theme.DARK if dark else Theme.LIGHT)
        try:
            self._save(self.theme.value)
        except Exception as exc:  # a settings file that cannot be written must not undo what the trader sees
            self._report(f"Theme not saved: {exc}")

"""Light and dark themes: a palette for the whole application, a style sheet for the chrome only.

Grids take their colours from the palette alone. The style sheet (resources/themes/<name>.qss) is set
on the toolbar, the status bar and grid-free dialogs, never on the application, the main window or a
dock: a sheet on or above a grid sends every cell paint through QStyleSheetStyle.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from gui.install.bundle import resources_dir


class Theme(Enum):
    """The themes shipped in resources/themes."""

    LIGHT = "light"
    DARK = "dark"


_R = QPalette.ColorRole
_COLORS: dict[Theme, dict[QPalette.ColorRole, str]] = {
    Theme.LIGHT: {
        _R.Window: "#f4f5f7", _R.WindowText: "#1b1f24", _R.Base: "#ffffff", _R.AlternateBase: "#f0f2f5",
        _R.Text: "#1b1f24", _R.Button: "#e9ecf1", _R.ButtonText: "#1b1f24", _R.Highlight: "#2f6fde",
        _R.HighlightedText: "#ffffff", _R.ToolTipBase: "#ffffe1", _R.ToolTipText: "#1b1f24",
        _R.PlaceholderText: "#8a93a0", _R.Link: "#1f5fc4", _R.Light: "#ffffff", _R.Midlight: "#e3e7ec",
        _R.Mid: "#b7bec8", _R.Dark: "#8a93a0", _R.Shadow: "#5a6270", _R.BrightText: "#ffffff",
    },
    Theme.DARK: {
        _R.Window: "#1e222a", _R.WindowText: "#d7dce3", _R.Base: "#161a20", _R.AlternateBase: "#1c2129",
        _R.Text: "#d7dce3", _R.Button: "#2a303a", _R.ButtonText: "#d7dce3", _R.Highlight: "#3d7be0",
        _R.HighlightedText: "#ffffff", _R.ToolTipBase: "#2a303a", _R.ToolTipText: "#d7dce3",
        _R.PlaceholderText: "#6f7886", _R.Link: "#6ea8ff", _R.Light: "#3a4250", _R.Midlight: "#313845",
        _R.Mid: "#4a5366", _R.Dark: "#12151a", _R.Shadow: "#000000", _R.BrightText: "#ffffff",
    },
}
_DISABLED_TEXT = {Theme.LIGHT: "#9aa2ad", Theme.DARK: "#5d6573"}


def theme_named(name: str) -> Theme:
    """Return the theme called name (any case); raise ValueError saying which names there are."""
    try:
        return Theme(name.strip().lower())
    except ValueError:
        known = " or ".join(f'"{theme.value}"' for theme in Theme)
        raise ValueError(f"{name!r} is not a theme: use {known}.") from None


def theme_palette(theme: Theme) -> QPalette:
    """Return the palette of theme (grids, docks and every unstyled widget take their colours from it)."""
    palette = QPalette()
    for role, color in _COLORS[theme].items():
        palette.setColor(role, QColor(color))
    for role in (_R.Text, _R.WindowText, _R.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT[theme]))
    # A field that takes no input (the ticket's Stop for a limit order) sinks into the window.
    palette.setColor(QPalette.ColorGroup.Disabled, _R.Base, QColor(_COLORS[theme][_R.Window]))
    return palette


def style_sheet_path(theme: Theme) -> Path:
    """Return the path of theme's style sheet."""
    return resources_dir() / "themes" / f"{theme.value}.qss"


def style_sheet(theme: Theme) -> str:
    """Return theme's chrome style sheet; raise OSError naming the file if it is missing."""
    return style_sheet_path(theme).read_text(encoding="utf-8")


def apply_theme(app: QApplication, theme: Theme, chrome: list[QWidget]) -> bool:
    """Set the Fusion style and theme's palette on app, and theme's sheet on each chrome widget (no grids).

    Return whether the style or the palette changed (widgets with sheets of their own must then take them again).
    """
    # Each of these re-polishes every widget the application holds: set them only when they change
    # (a second window, or a test suite's hundredth, otherwise pays for all the others).
    changed = False
    if app.style().name().casefold() != "fusion":
        app.setStyle("Fusion")
        changed = True
    palette = theme_palette(theme)
    if app.palette() != palette:
        app.setPalette(palette)
        changed = True
    sheet = style_sheet(theme)
    for widget in chrome:
        widget.setStyleSheet(sheet)
    return changed

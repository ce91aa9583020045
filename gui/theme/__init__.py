"""Light and dark themes: the palettes and chrome style sheets (palette.py), and the window's switch (switcher.py)."""

from gui.theme.palette import Theme, apply_theme, style_sheet, style_sheet_path, theme_named, theme_palette

__all__ = ["Theme", "apply_theme", "style_sheet", "style_sheet_path", "theme_named", "theme_palette"]

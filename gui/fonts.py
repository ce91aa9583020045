"""Chinese text on a machine without a CJK font: the bundled Noto Sans CJK SC subset is registered as a fallback.

China A-share names (贵州茅台) are drawn from whatever font the system has for Chinese. A fresh Linux (or
a frozen bundle run on one) may have none, and Qt then draws boxes; `ensure_cjk_font` finds that out at
start and registers resources/fonts/TradeTermCJK-Regular.otf (GB2312's hanzi, 1.6 MB, made by
scripts/make_cjk_font.py) as the fallback of the application's font.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QTextLayout

from gui.install.bundle import resources_dir

SAMPLE = "贵州茅台"
"""Characters every A-share trader reads: Kweichow Moutai."""
BUNDLED_FONT = ("fonts", "TradeTermCJK-Regular.otf")


class CjkFont(StrEnum):
    SYSTEM = "system"
    """The system has a font that draws Chinese; nothing was added."""
    BUNDLED = "bundled"
    """The bundled subset was registered and now draws Chinese."""
    MISSING = "missing"
    """No font draws Chinese (the bundled file is absent or unreadable): names show as boxes."""


def draws(text: str, font: QFont | None = None) -> bool:
    """Return whether font (default: the application's) with its fallbacks has a real glyph for every character."""
    layout = QTextLayout(text, QGuiApplication.font() if font is None else font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    runs = layout.glyphRuns()
    glyphs = [index for run in runs for index in run.glyphIndexes()]
    return len(glyphs) >= len(text) and 0 not in glyphs  # glyph 0 is .notdef: the box


def ensure_cjk_font() -> CjkFont:
    """Register the bundled CJK font as the application font's fallback when nothing on the system draws SAMPLE.

    Call once a QGuiApplication exists, before any window is built.
    """
    if draws(SAMPLE):
        return CjkFont.SYSTEM
    path = resources_dir().joinpath(*BUNDLED_FONT)
    font_id = QFontDatabase.addApplicationFont(str(path)) if path.is_file() else -1
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return CjkFont.MISSING
    for family in {QGuiApplication.font().family(), *QFont.substitutes(QGuiApplication.font().family())}:
        QFont.insertSubstitutions(family, [*QFont.substitutes(family), families[0]])
    return CjkFont.BUNDLED if draws(SAMPLE) else CjkFont.MISSING

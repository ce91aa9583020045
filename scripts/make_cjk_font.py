"""Make resources/fonts/TradeTermCJK-Regular.otf: Noto Sans CJK SC cut to the characters China A-share names use.

The bundle registers it at start when the machine has no font for Chinese (gui/fonts.py), so 贵州茅台 shows
as characters, not boxes. The subset keeps GB2312's 6,763 hanzi (every A-share short name the exchanges
publish is written in them), CJK and full-width punctuation, full-width ASCII (*ST, Ａ) and ASCII: about
1.6 MB, against about 16 MB for the whole font. Needs fontTools (pip install fonttools) and fonts-noto-cjk:

    python scripts/make_cjk_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "TradeTermCJK-Regular.otf"
SC_FACE = "Noto Sans CJK SC"


def gb2312() -> set[int]:
    """Return every code point GB2312 encodes (its two-byte rows 0xA1-0xF7, columns 0xA1-0xFE)."""
    points: set[int] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def code_points() -> set[int]:
    return (gb2312() | set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF01, 0xFF5F))
            | {0x00B7, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026})


def main(source: Path = SOURCE) -> None:
    collection = TTCollection(str(source))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == SC_FACE)
    options = subset.Options()
    options.layout_features = ["kern", "palt", "halt"]  # no vertical, locale or alternate forms
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(code_points()))
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    print(f"{TARGET}: {TARGET.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)

"""Draw TradeTerm's icon with QPainter and write PNGs at several sizes, an ICO and an ICNS into resources/icons/.

Run from the repository root: `QT_QPA_PLATFORM=offscreen .venv/bin/python resources/make_icons.py`.
The design: a dark rounded square with a rising line of candlesticks (green up, red down) and a
trend line, readable at 16 px. The generated files are committed; rerun this after changing it.
"""

from __future__ import annotations

import io
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen

SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types by pixel size (PNG-encoded elements, macOS 10.7+).
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}
# (open, close, low, high) on a 0..100 scale, rising overall.
CANDLES = ((30, 42, 24, 48), (42, 36, 30, 47), (36, 55, 33, 60), (55, 50, 44, 62), (50, 74, 47, 80))


def draw_icon(size: int) -> QImage:
    """Return the icon drawn at size x size pixels on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 100, size / 100)
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(4, 4, 92, 92), 20, 20)
    gradient = QLinearGradient(0, 4, 0, 96)
    gradient.setColorAt(0, QColor("#1f2a44"))
    gradient.setColorAt(1, QColor("#0d1322"))
    p.fillPath(tile, gradient)
    p.setPen(QPen(QColor("#3b4a6b"), 2))
    p.drawPath(tile)
    left, step, body = 18.0, 14.0, 8.0
    for index, (open_, close, low, high) in enumerate(CANDLES):
        x = left + index * step
        colour = QColor("#26c281") if close >= open_ else QColor("#e5534b")
        p.setPen(QPen(colour, 2.2, c=Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(x + body / 2, 90 - high), QPointF(x + body / 2, 90 - low))
        top, bottom = 90 - max(open_, close), 90 - min(open_, close)
        p.fillRect(QRectF(x, top, body, max(bottom - top, 2.5)), colour)
    p.setPen(QPen(QColor("#f5c542"), 3.5, c=Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(16, 66), QPointF(84, 20))
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """Return image encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """Return a Windows ICO holding the given PNG images (PNG-in-ICO, Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = io.BytesIO(), io.BytesIO()
    for size, blob in sorted(pngs.items()):
        dim = 0 if size >= 256 else size
        entries.write(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset + blobs.tell()))
        blobs.write(blob)
    return header + entries.getvalue() + blobs.getvalue()


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """Return a macOS ICNS holding the given PNG images."""
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(blob)) + blob for size, blob in sorted(pngs.items()))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(out: Path) -> None:
    """Write tradeterm-<size>.png for every size, tradeterm.ico and tradeterm.icns into out."""
    out.mkdir(parents=True, exist_ok=True)
    pngs = {size: png_bytes(draw_icon(size)) for size in SIZES}
    for size, blob in pngs.items():
        (out / f"tradeterm-{size}.png").write_bytes(blob)
    (out / "tradeterm.ico").write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    (out / "tradeterm.icns").write_bytes(icns_bytes({size: pngs[size] for size in ICNS_TYPES}))


if __name__ == "__main__":
    app = QGuiApplication(sys.argv[:1])
    main(Path(__file__).resolve().parent / "icons")

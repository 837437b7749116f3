"""Render resources/icons/app-icon.svg to app-icon.png (256x256) and app-icon.ico.

Run after changing the SVG (the PNG and ICO are committed, so builds need no extra tools):

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

Uses Qt's own SVG renderer (PySide6.QtSvg). The .ico holds PNG-compressed images at 16, 24,
32, 48, 64, 128 and 256 pixels (the format Windows Vista and later read), written by hand
because Qt's ICO writer stores a single size.
"""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data)


def ico_bytes(images: list[bytes], sizes: tuple[int, ...]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in zip(sizes, images):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # Qt needs one to render
    renderer = QSvgRenderer(str(ICONS / "app-icon.svg"))
    if not renderer.isValid():
        print("app-icon.svg is not a valid SVG", file=sys.stderr)
        return 1
    (ICONS / "app-icon.png").write_bytes(png_bytes(render(renderer, 256)))
    (ICONS / "app-icon.ico").write_bytes(ico_bytes([png_bytes(render(renderer, s)) for s in ICO_SIZES], ICO_SIZES))
    app.processEvents()
    print(f"wrote {ICONS / 'app-icon.png'} and {ICONS / 'app-icon.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the app's PNG icons (a railway track seen from above) with the standard library only.

usage: make_icons.py OUT_DIR
The drawing matches public/icons/icon.svg: a green square, white sleepers, yellow rails.
"""
import struct
import sys
import zlib
from pathlib import Path

GREEN = bytes((0x0A, 0x5C, 0x36))
WHITE = bytes((0xFF, 0xFF, 0xFF))
YELLOW = bytes((0xFC, 0xD1, 0x16))


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(size: int, rows: list) -> bytes:
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def track(size: int, scale: float) -> bytes:
    """The 64-unit drawing of icon.svg, shrunk by `scale` around the centre (maskable safe zone)."""
    unit = size * scale / 64
    offset = size * (1 - scale) / 2

    def px(v: float) -> int:
        return round(offset + v * unit)

    rails = [(px(22), px(26)), (px(38), px(42))]
    sleepers = [(px(y), px(y + 4)) for y in (14, 24, 34, 44)]
    rail_top, rail_bottom = px(10), px(54)
    sleeper_left, sleeper_right = px(17), px(47)

    def row(y: int) -> bytes:
        pixels = [GREEN] * size
        if any(top <= y < bottom for top, bottom in sleepers):
            for x in range(sleeper_left, sleeper_right):
                pixels[x] = WHITE
        if rail_top <= y < rail_bottom:
            for left, right in rails:
                for x in range(left, right):
                    pixels[x] = YELLOW
        return b"".join(pixels)

    cache = {}
    rows = []
    for y in range(size):
        key = (any(t <= y < b for t, b in sleepers), rail_top <= y < rail_bottom)
        if key not in cache:
            cache[key] = row(y)
        rows.append(cache[key])
    return png(size, rows)


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "icon-192.png").write_bytes(track(192, 1.0))
    (out / "icon-512.png").write_bytes(track(512, 1.0))
    (out / "icon-512-maskable.png").write_bytes(track(512, 0.8))


if __name__ == "__main__":
    main()

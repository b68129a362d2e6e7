#!/usr/bin/env python3
"""Writes the live map's tile settings into the built index.html (build.sh runs it).

usage: SETRAG_MAP_TILES_URL=... SETRAG_MAP_TILES_ATTRIBUTION=... map_tiles.py INDEX_HTML
Both variables may be empty (no tiles: the map draws SETRAG's line and stations on a plain background). A URL
template must be https:// or a path on the site (/tiles/{z}/{x}/{y}.png) and hold {z}, {x} and {y}; anything
else stops the build, so that a typo is seen at build time rather than as an empty map.
"""
import html
import os
import re
import sys
from pathlib import Path

TEMPLATE = re.compile(r"^(?:https://[^/\s]+/|/(?!/))\S*$")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    index = Path(sys.argv[1])
    url = os.environ.get("SETRAG_MAP_TILES_URL", "").strip()
    attribution = os.environ.get("SETRAG_MAP_TILES_ATTRIBUTION", "").strip()
    if url and (not TEMPLATE.match(url) or not all(part in url for part in ("{z}", "{x}", "{y}"))):
        print(
            f"map_tiles.py: SETRAG_MAP_TILES_URL={url!r} is not a tile URL template: "
            "https://host/…/{z}/{x}/{y}.png or /path/{z}/{x}/{y}.png",
            file=sys.stderr,
        )
        return 1
    if url and not attribution:
        print("map_tiles.py: warning: SETRAG_MAP_TILES_ATTRIBUTION is empty; most tile licences ask for one",
              file=sys.stderr)
    text = index.read_text(encoding="utf-8")
    for placeholder in ("__MAP_TILES_URL__", "__MAP_TILES_ATTRIBUTION__"):
        if placeholder not in text:
            print(f"map_tiles.py: {index} has no {placeholder}", file=sys.stderr)
            return 1
    text = text.replace("__MAP_TILES_URL__", html.escape(url, quote=True))
    text = text.replace("__MAP_TILES_ATTRIBUTION__", html.escape(attribution, quote=True))
    index.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

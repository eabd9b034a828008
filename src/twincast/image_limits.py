"""Refuse pictures too large to decode, from their header alone.

Why: an image's file size says nothing about its decoded size. A 12000x12000 PNG of one colour
compresses to under 2 MB and decodes to 432 MB of RGB (2.6 GB with the resizes and colour
conversions after it); a 14000x14000 one trips Pillow's own bomb guard with an exception the
user cannot act on. Every picture a user hands in (avatar photo, catalog product image, room
photo of a listing, B-roll) is therefore checked here first: Pillow's ``Image.open`` reads only
the header, so the check costs microseconds and no pixel memory.

Limits: at most :data:`MAX_PIXELS` (50 megapixels: every phone camera's normal output, and a
150 MB RGB frame) and :data:`MAX_SIDE` pixels on either side (panoramas stay possible).
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import Optional

from PIL import Image, UnidentifiedImageError

from .errors import TwincastError

MAX_PIXELS = 50_000_000
MAX_SIDE = 20_000
_GUARD_LOCK = threading.Lock()


def image_size(path: str | Path) -> Optional[tuple[int, int]]:
    """(width, height) from the file header without decoding pixels; None when Pillow does not
    recognise the file (the decoder that follows reports that with its own message)."""
    try:
        return _header_size(path)
    except Image.DecompressionBombError:
        # Pillow refuses to even open > 179 MP; read the header once more without its guard
        # (only for a file already known to be a bomb, and we refuse it right after).
        with _GUARD_LOCK:
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                return _header_size(path)
            except Image.DecompressionBombError:
                return None
            finally:
                Image.MAX_IMAGE_PIXELS = saved


def _header_size(path: str | Path) -> Optional[tuple[int, int]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:  # lazy: reads the header only
                return int(im.size[0]), int(im.size[1])
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def check_image_size(path: str | Path, who: str = "") -> Optional[tuple[int, int]]:
    """Raise a :class:`TwincastError` naming the size and the fix when ``path`` is too large to
    decode safely; returns the header size (or None when unreadable, left to the decoder)."""
    size = image_size(path)
    if size is None:
        return None
    w, h = size
    if w * h > MAX_PIXELS or max(w, h) > MAX_SIDE:
        prefix = f"{who}: " if who else ""
        raise TwincastError(
            f"{prefix}picture {path} is {w}x{h} pixels ({w * h / 1e6:.0f} megapixels); the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels and {MAX_SIDE} pixels on a side",
            "scale it down first (e.g. to 4000 pixels on the long side) and export it again as JPEG or PNG")
    return size

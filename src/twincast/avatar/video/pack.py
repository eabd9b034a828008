"""A list of images stored as one blob of JPEGs plus an offset table.

Why JPEG frames and not an H.264 file: the base loop jumps between frames (motion-graph
transitions) and the mouth library is read in any order, so every image must decode on its
own in ~2 ms; a few hundred KB of index is nothing next to the frames. One blob per list keeps
the ``.twin`` zip to a handful of members.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np

MAGIC = b"TWPK1\n"


def encode_jpeg(img: np.ndarray, quality: int = 90) -> bytes:
    """RGB (H, W, 3) or gray (H, W) uint8 -> JPEG bytes."""
    src = cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if img.ndim == 3 else img
    ok, buf = cv2.imencode(".jpg", src, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def decode_jpeg(data: bytes | memoryview, gray: bool = False) -> np.ndarray:
    arr = np.frombuffer(data, np.uint8)
    if gray:
        return cv2.imdecode(arr, cv2.IMREAD_GRAYSCALE)
    return cv2.cvtColor(cv2.imdecode(arr, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def join(items: list[bytes]) -> bytes:
    """Concatenate encoded images into one pack."""
    table = np.cumsum([0] + [len(b) for b in items]).astype(np.int64)
    return MAGIC + struct.pack("<q", len(items)) + table.tobytes() + b"".join(items)


class Pack:
    """Random access into a pack without copying the images out of it."""

    def __init__(self, blob: bytes) -> None:
        if not blob.startswith(MAGIC):
            raise ValueError("not an image pack")
        (n,) = struct.unpack_from("<q", blob, len(MAGIC))
        start = len(MAGIC) + 8
        self._offsets = np.frombuffer(blob, np.int64, n + 1, start)
        self._data = memoryview(blob)[start + 8 * (n + 1):]

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def raw(self, i: int) -> memoryview:
        return self._data[int(self._offsets[i]):int(self._offsets[i + 1])]

    def image(self, i: int, gray: bool = False) -> np.ndarray:
        return decode_jpeg(self.raw(i), gray)
